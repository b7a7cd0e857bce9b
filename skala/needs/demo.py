"""Demo needs, shaped after the field's own examples; all buyers are the demo organisations."""

from skala.needs.models import Need, NeedStatus, Visibility
from skala.needs.services import sync_to_corpus
from skala.orgs.models import Organisation
from skala.reference.models import CpvCode, Sdg

# (buyer orgnr, title, problem, affected, desired outcome, CPV codes, goals, language)
NEEDS = [
    (
        "958935420",
        "Digitalt nattilsyn i hjemmetjenesten",
        "Nattpatruljen i hjemmetjenesten bruker mye tid på fysiske tilsyn hos eldre som sover, og "
        "vekker dem ofte. Behovet for tilsyn øker raskere enn antall ansatte.",
        "Hjemmeboende eldre, pårørende og ansatte i hjemmetjenesten",
        "Trygge digitale tilsyn med sensorer som varsler ved uro eller fall, uten å vekke brukeren.",
        ["85310000", "33196200"],
        [3, 10],
        "nb",
    ),
    (
        "964965226",
        "Sensorbasert tilsyn om natten",
        "Stavanger vil erstatte en del av de fysiske nattilsynene med sensorer og digitalt tilsyn for "
        "hjemmeboende med demens.",
        "Personer med demens som bor hjemme",
        "Færre unødvendige besøk, raskere hjelp ved fall.",
        ["85310000"],
        [3],
        "nb",
    ),
    (
        "935478715",
        "Hverdagsrehabilitering med digital oppfølging",
        "Etter sykehusopphold trenger mange eldre trening i hjemmet, men terapeutene rekker få besøk.",
        "Eldre etter sykehusopphold",
        "Digital oppfølging som gjør at flere klarer seg selv lenger.",
        ["85142100"],
        [3],
        "nb",
    ),
    (
        "963296746",
        "Korttidsopphold: bedre overgang fra sykehus til hjem",
        "Korttidsplassene er fulle fordi pasienter blir liggende i påvente av tilrettelegging hjemme.",
        "Pasienter på korttidsopphold og deres pårørende",
        "Kortere opphold og tryggere hjemkomst.",
        ["85311000"],
        [3, 11],
        "nb",
    ),
    (
        "889640782",
        "Digital veiledning for arbeidssøkere med nedsatt arbeidsevne",
        "Veilederne bruker mye tid på rutinespørsmål, og brukerne venter lenge på svar.",
        "Arbeidssøkere og veiledere i NAV",
        "Raskere svar og mer tid til dem som trenger samtale.",
        ["79600000", "72000000"],
        [8, 10],
        "nb",
    ),
    (
        "212000-1355",
        "Digital nattillsyn i hemtjänsten",
        "Hemtjänsten i Göteborg gör många nattliga tillsynsbesök som stör brukarnas sömn.",
        "Äldre i ordinärt boende",
        "Trygg digital tillsyn med sensorer och kamera på natten.",
        ["85310000"],
        [3],
        "sv",
    ),
]


def load(say) -> None:
    """Create or update the demo needs, publish them and put them in the matching corpus."""
    count = 0
    for orgnr, title, problem, affected, outcome, cpv, goals, language in NEEDS:
        organisation = Organisation.objects.filter(orgnr=orgnr).first()
        if organisation is None:
            continue
        need, _created = Need.objects.update_or_create(
            organisation=organisation,
            title=title,
            defaults={
                "problem": problem,
                "affected": affected,
                "desired_outcome": outcome,
                "language": language,
                "status": NeedStatus.PUBLISHED,
                "visibility": Visibility.PUBLIC,
                "is_demo": True,
            },
        )
        if need.published_at is None:
            need.status = NeedStatus.DRAFT
            need.publish()
        # One at a time, in the order listed: the first is the need's main code. (A set() adds them
        # in no particular order.)
        known = set(CpvCode.objects.filter(code8__in=cpv).values_list("code8", flat=True))
        wanted = [code for code in cpv if code in known]
        through = Need.cpv_codes.through
        if (
            list(through.objects.filter(need=need).order_by("pk").values_list("cpvcode_id", flat=True))
            != wanted
        ):
            need.cpv_codes.clear()
            for code in wanted:
                need.cpv_codes.add(code)
        need.sdgs.set(Sdg.objects.filter(number__in=goals))
        sync_to_corpus(need)
        count += 1
    say(f"Demo needs: {count}")
