"""Types the API's schemas share.

DatabaseInt is a whole number a database column can hold. A larger one in a filter or a list of ids
overflowed the query it was looked up with and answered 500 (SQLite cannot bind it); bounded, it is
refused with 422 like any other bad input. Found by fuzzing the schema (skala/security/tests).
"""

from typing import Annotated

from ninja import Field

DatabaseInt = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
