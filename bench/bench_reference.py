"""Reference data: loading the whole vocabulary, and looking codes up through the API."""

import statistics
import time
import tracemalloc

from django.test import Client

from skala.reference.loading import load_reference


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def median_ms(client: Client, path: str, params: dict, repeat: int = 30) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path, params)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content
    return statistics.median(samples)


def run() -> dict[str, tuple[float, str]]:
    quiet = lambda message: None  # noqa: E731
    tracemalloc.start()
    first = timed(lambda: load_reference(progress=quiet))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    again = timed(lambda: load_reference(progress=quiet))
    client = Client()
    return {
        "load_reference_first_run": (first, "s"),
        "load_reference_second_run_no_changes": (again, "s"),
        "load_reference_peak_python_memory": (peak / 2**20, "MiB"),
        "api_cpv_by_code_median": (median_ms(client, "/api/v1/reference/cpv/45215213-3", {}), "ms"),
        "api_cpv_search_one_word_median": (
            median_ms(client, "/api/v1/reference/cpv", {"q": "sykehjem", "lang": "nb"}),
            "ms",
        ),
        "api_cpv_search_common_word_median": (
            median_ms(client, "/api/v1/reference/cpv", {"q": "services", "lang": "en"}),
            "ms",
        ),
    }
