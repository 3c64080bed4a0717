"""Scale data for the benchmarks: a deterministic, realistic inventory of N qualifications.

``python -m bench.generate --n 10000 --out /tmp/cnc-bench/10k [--seed 7] [--invalid 0]`` writes a
*resources root* that ``cnc-graph build`` reads through ``CNC_ROOT``:

- ``data/inventory/{sub-sector}.csv``: one file per sub-sector in the registration-card format of
  ``data/inventory`` (same header, UTF-8, RFC 4180 quoting, CRLF, `` | `` between values), and a matching
  ``data/inventory/organisations.csv`` (the real organisations plus generated providers);
- ``data/esco/``: the shipped ESCO slice plus the skills pool, converted with the project's own ESCO reader
  from the reference ``skills_fr.csv`` (≈13,500 real skill IRIs), so every cited skill is known to the graph;
- ``ontology/``, ``shapes/``, ``data/frameworks``, ``data/vocab``, ``mappings/``: links to the repository's.

The shape follows the real inventory (``data/inventory/README.md``): sub-sector shares, the diploma → CNC
level table, real awarding bodies and regions, real ISCED-F 2013 detailed fields, titles in French (always),
Arabic (most) and English (some), 3–6 learning outcomes, and 5–15 ESCO skills drawn from the 13k pool with
a Zipf-like popularity (some skills are shared by many qualifications, as in practice).
``continuing-training.csv`` holds 1,000 rows from N = 10,000 up (N/10 below): the file re-imported by the
benchmark. ``--invalid K`` puts K faulty rows among them (each breaks one shape, round robin) for the
differential test of the fast validation path; the faults are listed in ``faults.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from cnc_graph.card.fields import FIELDS, SUBSECTORS
from cnc_graph.ingest.esco.concepts import esco_triples
from cnc_graph.settings import DEFAULT_BASE_IRI, resources_root

REPO = resources_root()
ESCO_REFERENCE = Path(os.environ.get("CNC_BENCH_ESCO", "/work/shared/reference/esco"))
HEADER = [f.column for f in FIELDS if f.column != "description_en"]
ORG_HEADER = ["id", "nom_fr", "nom_ar", "nom_en", "sigle", "roles", "parent", "region", "site_web", "source"]
REIMPORT_ROWS = 1_000
SHARES = {"general-education": 0.22, "vocational-training": 0.32, "higher-education": 0.46}
LINKED = ("ontology", "shapes", "mappings", "data/frameworks", "data/vocab")

REGIONS = {
    "casablanca-settat": ("Casablanca", "الدار البيضاء"),
    "rabat-sale-kenitra": ("Rabat", "الرباط"),
    "fes-meknes": ("Fès", "فاس"),
    "marrakech-safi": ("Marrakech", "مراكش"),
    "tanger-tetouan-al-hoceima": ("Tanger", "طنجة"),
    "oriental": ("Oujda", "وجدة"),
    "souss-massa": ("Agadir", "أكادير"),
    "beni-mellal-khenifra": ("Béni Mellal", "بني ملال"),
    "draa-tafilalet": ("Errachidia", "الرشيدية"),
    "laayoune-sakia-el-hamra": ("Laâyoune", "العيون"),
    "guelmim-oued-noun": ("Guelmim", "كلميم"),
    "dakhla-oued-ed-dahab": ("Dakhla", "الداخلة"),
}


@dataclass(frozen=True)
class Diploma:
    """A kind of diploma of a sub-sector: its title pattern (fr/ar/en), CNC level, duration and code prefix."""

    prefix: str
    fr: str
    ar: str
    en: str
    level: str
    duration: str
    weight: int


DIPLOMAS: dict[str, list[Diploma]] = {
    "general-education": [
        Diploma("BAC", "Baccalauréat – {fr}", "شهادة البكالوريا – {ar}", "Baccalaureate – {en}", "4", "P3Y", 30),
        Diploma(
            "BC",
            "Brevet d'enseignement collégial – {fr}",
            "شهادة السلك الإعدادي – {ar}",
            "Lower secondary certificate – {en}",
            "3",
            "P3Y",
            2,
        ),
        Diploma(
            "CEP",
            "Certificat d'études primaires – {fr}",
            "شهادة الدروس الابتدائية – {ar}",
            "Primary school certificate – {en}",
            "2",
            "P6Y",
            1,
        ),
    ],
    "vocational-training": [
        Diploma(
            "TS",
            "Technicien spécialisé en {fr}",
            "تقني متخصص في {ar}",
            "Specialised technician in {en}",
            "5",
            "P2Y",
            26,
        ),
        Diploma("T", "Technicien en {fr}", "تقني في {ar}", "Technician in {en}", "4", "P2Y", 13),
        Diploma("Q", "Qualification en {fr}", "التأهيل في {ar}", "Qualification in {en}", "3", "P1Y", 4),
        Diploma("S", "Spécialisation en {fr}", "التخصص في {ar}", "Specialisation in {en}", "2", "P1Y", 2),
        Diploma(
            "AP",
            "Certificat d'apprentissage en {fr}",
            "شهادة التدرج المهني في {ar}",
            "Apprenticeship certificate in {en}",
            "1",
            "P1Y",
            1,
        ),
    ],
    "higher-education": [
        Diploma(
            "DUT",
            "DUT {fr}",
            "دبلوم جامعي للتكنولوجيا – {ar}",
            "University diploma of technology in {en}",
            "5",
            "P2Y",
            9,
        ),
        Diploma(
            "LP",
            "Licence professionnelle {fr}",
            "الإجازة المهنية – {ar}",
            "Professional bachelor in {en}",
            "6",
            "P3Y",
            6,
        ),
        Diploma("LF", "Licence fondamentale {fr}", "الإجازة الأساسية – {ar}", "Bachelor in {en}", "6", "P3Y", 5),
        Diploma("MST", "Master {fr}", "الماستر – {ar}", "Master in {en}", "7", "P2Y", 20),
        Diploma(
            "ING",
            "Diplôme d'ingénieur d'État – {fr}",
            "دبلوم مهندس الدولة – {ar}",
            "State engineering degree in {en}",
            "7",
            "P5Y",
            21,
        ),
        Diploma("DOC", "Doctorat – {fr}", "الدكتوراه – {ar}", "Doctorate in {en}", "8", "P3Y", 6),
    ],
    "continuing-training": [
        Diploma("FC", "Formation continue : {fr}", "تكوين مستمر: {ar}", "Continuing training: {en}", "", "", 1),
    ],
}

# Specialities: (French, Arabic, English, ISCED-F 2013 detailed field). Codes are checked against the
# shipped ISCED-F scheme when the generator starts.
SPECIALITIES = [
    ("développement digital", "التنمية الرقمية", "digital development", "0613"),
    ("infrastructure digitale", "البنية التحتية الرقمية", "digital infrastructure", "0612"),
    ("génie civil", "الهندسة المدنية", "civil engineering", "0732"),
    ("génie électrique", "الهندسة الكهربائية", "electrical engineering", "0713"),
    ("génie mécanique", "الهندسة الميكانيكية", "mechanical engineering", "0715"),
    ("maintenance industrielle", "الصيانة الصناعية", "industrial maintenance", "0715"),
    ("électronique", "الإلكترونيات", "electronics", "0714"),
    ("chimie", "الكيمياء", "chemistry", "0531"),
    ("physique", "الفيزياء", "physics", "0533"),
    ("mathématiques", "الرياضيات", "mathematics", "0541"),
    ("statistique", "الإحصاء", "statistics", "0542"),
    ("biologie", "علم الأحياء", "biology", "0511"),
    ("sciences de l'environnement", "علوم البيئة", "environmental sciences", "0521"),
    ("agronomie", "الفلاحة", "agronomy", "0811"),
    ("pêche maritime", "الصيد البحري", "fisheries", "0831"),
    ("hôtellerie et restauration", "الفندقة والمطعمة", "hotels and catering", "1013"),
    ("tourisme", "السياحة", "tourism", "1015"),
    ("comptabilité et gestion", "المحاسبة والتسيير", "accounting and management", "0411"),
    ("finance et banque", "المالية والبنوك", "finance and banking", "0412"),
    ("gestion des entreprises", "تسيير المقاولات", "business management", "0413"),
    ("commerce et marketing", "التجارة والتسويق", "trade and marketing", "0414"),
    ("secrétariat et bureautique", "السكرتارية والمكتبيات", "secretarial and office work", "0415"),
    ("droit des affaires", "قانون الأعمال", "business law", "0421"),
    ("soins infirmiers", "العلوم التمريضية", "nursing", "0913"),
    ("pharmacie", "الصيدلة", "pharmacy", "0916"),
    ("médecine", "الطب", "medicine", "0912"),
    ("sciences de l'éducation", "علوم التربية", "education science", "0111"),
    ("langue et littérature arabes", "اللغة العربية وآدابها", "Arabic language and literature", "0232"),
    ("études françaises", "الدراسات الفرنسية", "French studies", "0231"),
    ("histoire et géographie", "التاريخ والجغرافيا", "history and geography", "0222"),
    ("économie", "الاقتصاد", "economics", "0311"),
    ("sociologie", "علم الاجتماع", "sociology", "0314"),
    ("journalisme", "الصحافة", "journalism", "0321"),
    ("arts graphiques", "الفنون الغرافيكية", "graphic arts", "0211"),
    ("mode et habillement", "الموضة والألبسة", "fashion and clothing", "0723"),
    ("industrie agroalimentaire", "الصناعة الغذائية", "food processing", "0721"),
    ("transport et logistique", "النقل واللوجستيك", "transport and logistics", "1041"),
    ("architecture et urbanisme", "الهندسة المعمارية والتعمير", "architecture and town planning", "0731"),
    ("énergies renouvelables", "الطاقات المتجددة", "renewable energies", "0713"),
    ("sécurité et hygiène au travail", "السلامة والصحة المهنية", "occupational health and safety", "1022"),
]
GE_SERIES = [
    ("Sciences mathématiques", "العلوم الرياضية", "mathematical sciences", "0011"),
    ("Sciences expérimentales", "العلوم التجريبية", "experimental sciences", "0011"),
    ("Lettres et sciences humaines", "الآداب والعلوم الإنسانية", "arts and humanities", "0011"),
    ("Sciences économiques et gestion", "العلوم الاقتصادية والتدبير", "economics and management", "0011"),
    ("Sciences et technologies électriques", "العلوم والتكنولوجيات الكهربائية", "electrical technology", "0011"),
    ("Arts appliqués", "الفنون التطبيقية", "applied arts", "0011"),
    ("Enseignement originel", "التعليم الأصيل", "traditional education", "0011"),
]
VERBS = [
    ("Concevoir", "Design"),
    ("Analyser", "Analyse"),
    ("Mettre en œuvre", "Implement"),
    ("Évaluer", "Evaluate"),
    ("Planifier", "Plan"),
    ("Contrôler", "Check"),
    ("Diagnostiquer", "Diagnose"),
    ("Communiquer sur", "Communicate about"),
    ("Encadrer", "Supervise"),
    ("Documenter", "Document"),
]
OBJECTS = [
    ("les procédés", "the processes"),
    ("un projet", "a project"),
    ("les risques", "the risks"),
    ("la qualité du travail", "the quality of work"),
    ("les besoins des usagers", "users' needs"),
    ("un budget", "a budget"),
    ("les données techniques", "technical data"),
    ("une équipe", "a team"),
    ("les normes applicables", "the applicable standards"),
    ("les outils numériques", "digital tools"),
]
CONTEXTS = [
    ("dans le domaine de {s}", "in {s}"),
    ("en autonomie, pour {s}", "independently, for {s}"),
    ("en respectant la réglementation de {s}", "following the regulations of {s}"),
    ("au sein d'une équipe de {s}", "within a {s} team"),
]
AWARDERS = {
    "general-education": ["menps"],
    "vocational-training": ["ofppt"] * 6 + ["menps", "ministere-tourisme", "ministere-agriculture", "dpm"],
    "higher-education": ["est-sale", "inpt", "emi", "ensam-meknes", "ehtp", "fst-fes", "ispm-agadir", "esrft"],
    "continuing-training": ["ofppt"],
}
CT_PROVIDERS = ["mun", "etakwine", "auf", "crmef", "ofppt", "maroc-numeric-cluster"]
FAULTS = ("unknown-skill", "unknown-awarding-body", "no-french-title", "duplicate-code", "unknown-region")


@dataclass
class Generated:
    """What the generator wrote: the root, rows per file, the faulty codes and the re-import file."""

    root: Path
    files: dict[str, int]
    faults: dict[str, str]
    reimport: Path
    outcomes: bool


def outcomes_supported() -> bool:
    """Return whether the card reader accepts learning outcomes (``acquis_fr``); see bench/README.md."""
    from cnc_graph.card.rdf import card_to_triples

    cells = {"code": "X-1", "intitule_fr": "x", "acquis_fr": "Analyser un projet"}
    try:
        card_to_triples(cells, DEFAULT_BASE_IRI, "probe", 2)
    except AssertionError:
        return False
    return True


def _isced_codes() -> set[str]:
    text = (REPO / "data" / "frameworks" / "isced-f.ttl").read_text(encoding="utf-8")
    return set(re.findall(r"^iscedf:(\d{4}) a skos:Concept", text, flags=re.M))


def _skill_pool() -> list[str]:
    with (ESCO_REFERENCE / "skills_fr.csv").open(encoding="utf-8", newline="") as handle:
        return [row["conceptUri"] for row in csv.DictReader(handle) if row["conceptUri"]]


def _occupations() -> list[str]:
    store = ox.Store()
    store.load(
        path=str(REPO / "data" / "esco" / "esco-slice.ttl"), format=ox.RdfFormat.TURTLE, base_iri=DEFAULT_BASE_IRI
    )
    query = "SELECT ?o WHERE { ?o a <http://data.europa.eu/esco/model#Occupation> } ORDER BY ?o"
    return [row["o"].value for row in store.query(query)]


def _counts(n: int) -> dict[str, int]:
    ct = REIMPORT_ROWS if n >= 10 * REIMPORT_ROWS else max(1, n // 10)
    rest = n - ct
    counts = {k: int(rest * share) for k, share in SHARES.items()}
    counts["higher-education"] += rest - sum(counts.values())
    counts["continuing-training"] = ct
    return counts


class InventoryGenerator:
    """Draws rows; everything comes from one seeded ``random.Random``, so a seed gives the same files."""

    def __init__(self, seed: int, outcomes: bool = True) -> None:
        self.rng = random.Random(seed)
        self.with_outcomes = outcomes
        self.skills = _skill_pool()
        # Zipf-like popularity over a shuffled pool: a few skills are cited very often, most rarely.
        self.rng.shuffle(self.skills)
        self.skill_weights = [1.0 / (rank + 1) ** 0.7 for rank in range(len(self.skills))]
        self.occupations = _occupations()
        known = _isced_codes()
        missing = {s[3] for s in SPECIALITIES + GE_SERIES} - known
        if missing:
            raise SystemExit(f"ISCED-F codes not in data/frameworks/isced-f.ttl: {sorted(missing)}")
        self.providers: list[dict[str, str]] = []
        self.provider_ids: set[str] = set()

    def provider(self, subsector: str, region: str, index: int) -> str:
        """Return the id of a generated provider (a new one every ~150 rows)."""
        kinds = {
            "general-education": ("lycee", "Lycée qualifiant", "ثانوية تأهيلية"),
            "vocational-training": ("ista", "Institut spécialisé de technologie appliquée", "معهد متخصص للتكنولوجيا"),
            "higher-education": ("fac", "Faculté polydisciplinaire", "الكلية متعددة التخصصات"),
        }
        key, fr, ar = kinds[subsector]
        number = index // 150 + 1
        org_id = f"{key}-{region}-{number:04d}"
        if org_id not in self.provider_ids:
            self.provider_ids.add(org_id)
            city_fr, city_ar = REGIONS[region]
            self.providers.append(
                {
                    "id": org_id,
                    "nom_fr": f"{fr} n° {number} de {city_fr}",
                    "nom_ar": f"{ar} رقم {number} – {city_ar}",
                    "roles": "provider",
                    "parent": {"general-education": "menps", "vocational-training": "ofppt"}.get(subsector, ""),
                    "region": region,
                    "source": f"https://example.org/cnc-bench/organisation/{org_id}",
                }
            )
        return org_id

    def outcomes(self, speciality: str, speciality_en: str, count: int) -> tuple[list[str], list[str]]:
        """Return ``count`` learning outcomes in French and English."""
        fr, en = [], []
        for _ in range(count):
            verb, obj, ctx = self.rng.choice(VERBS), self.rng.choice(OBJECTS), self.rng.choice(CONTEXTS)
            fr.append(f"{verb[0]} {obj[0]} {ctx[0].format(s=speciality)}")
            en.append(f"{verb[1]} {obj[1]} {ctx[1].format(s=speciality_en)}")
        return fr, en

    def row(self, subsector: str, index: int) -> dict[str, str]:
        """Return one registration-card row."""
        rng = self.rng
        diplomas = DIPLOMAS[subsector]
        diploma = rng.choices(diplomas, weights=[d.weight for d in diplomas])[0]
        spec = rng.choice(GE_SERIES if subsector == "general-education" else SPECIALITIES)
        region = rng.choice(list(REGIONS))
        city_fr, city_ar = REGIONS[region]
        variant = f"parcours {index % 97 + 1}"
        title_fr = diploma.fr.format(fr=spec[0]) + f" ({city_fr}, {variant})"
        title_ar = diploma.ar.format(ar=spec[1]) + f" ({city_ar}، المسار {index % 97 + 1})"
        title_en = diploma.en.format(en=spec[2]) + f" ({city_fr}, track {index % 97 + 1})"
        awarder = rng.choice(AWARDERS[subsector])
        if subsector == "continuing-training":
            provider = rng.choice(CT_PROVIDERS)
        elif subsector == "higher-education":
            provider = awarder if rng.random() < 0.5 else self.provider(subsector, region, index)
        else:
            provider = self.provider(subsector, region, index)
        n_out = rng.randint(3, 6)
        out_fr, out_en = self.outcomes(spec[0], spec[2], n_out)
        skills = sorted(set(rng.choices(self.skills, weights=self.skill_weights, k=rng.randint(5, 15))))
        occupations = sorted(set(rng.sample(self.occupations, rng.randint(0, 2))))
        level = diploma.level if rng.random() > 0.03 else ""
        year = rng.randint(2004, 2024)
        higher = subsector == "higher-education"
        code = f"{subsector_prefix(subsector)}-{diploma.prefix}-{index:06d}"
        return {
            "code": code,
            "intitule_fr": title_fr,
            "intitule_ar": title_ar if rng.random() < 0.7 else "",
            "intitule_en": title_en if rng.random() < 0.4 else "",
            "sous_secteur": subsector,
            "niveau_cnc": level,
            "organisme_certificateur": awarder,
            "domaine_isced_f": spec[3],
            "description_fr": f"{diploma.fr.format(fr=spec[0])} préparé à {city_fr} ; formation en {spec[0]} "
            f"organisée en modules, avec stage en milieu professionnel.",
            "acquis_fr": " | ".join(out_fr) if self.with_outcomes else "",
            "acquis_en": " | ".join(out_en) if rng.random() < 0.5 and self.with_outcomes else "",
            "conditions_acces": "Baccalauréat." if diploma.level in ("5", "6") else "Sur dossier et entretien.",
            "duree": diploma.duration,
            "credits_ects": str(60 * int(diploma.duration[1])) if higher and diploma.duration else "",
            "volume_horaire": str(rng.randrange(120, 2400, 30)) if subsector != "higher-education" else "",
            "base_legale": f"Arrêté n° {rng.randint(100, 3999)}-{year % 100:02d} du ministère de tutelle",
            "date_base_legale": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "organisme_qa": "aneaq" if higher else "",
            "date_accreditation": f"{year + 1}-09-01" if higher else "",
            "date_fin_validite": f"{year + 6}-08-31" if higher and rng.random() < 0.5 else "",
            "modes_acquisition": "distance-learning | continuing-training"
            if subsector == "continuing-training"
            else ("formal-programme | apprenticeship" if rng.random() < 0.15 else "formal-programme"),
            "prestataires": provider,
            "regions": region,
            "metiers_esco": " | ".join(occupations),
            "competences_esco": " | ".join(skills),
            "langues": rng.choice(["fr", "ar", "fr | ar", "fr | en"]),
            "lien": f"https://example.org/cnc-bench/qualification/{code}",
            "statut": "active" if rng.random() < 0.95 else "archived",
            "source": "https://acqf.africa/resources/nqf-inventory/countries/morocco",
        }


def subsector_prefix(subsector: str) -> str:
    """Return the code prefix of a sub-sector (GE, VT, HE, CT)."""
    return "".join(word[0] for word in subsector.split("-")).upper()


def _break(row: dict[str, str], fault: str, other_code: str) -> None:
    """Make ``row`` break one shape (it still passes the CSV reader's checks)."""
    if fault == "unknown-skill":
        row["competences_esco"] += " | http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000"
    elif fault == "unknown-awarding-body":
        row["organisme_certificateur"] = "organisme-inconnu"
    elif fault == "no-french-title":
        row["intitule_fr"] = ""
    elif fault == "duplicate-code":
        row["code"] = other_code
    elif fault == "unknown-region":
        row["regions"] = "region-inconnue"


def _write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\r\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def _link_reference(root: Path) -> None:
    for relative in LINKED:
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.symlink_to(REPO / relative, target_is_directory=True)


def _write_esco(root: Path) -> None:
    folder = root / "data" / "esco"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "data" / "esco" / "esco-slice.ttl", folder / "esco-slice.ttl")
    pool = folder / "esco-skills-pool.nt"
    if not pool.exists():
        triples = list(esco_triples(ESCO_REFERENCE / "skills_fr.csv", DEFAULT_BASE_IRI, version="bench"))
        ox.serialize(triples, output=str(pool), format=ox.RdfFormat.N_TRIPLES)


def generate(n: int, out: Path, seed: int = 7, invalid: int = 0) -> Generated:
    """Write a resources root with an inventory of ``n`` qualifications; return what was written."""
    out.mkdir(parents=True, exist_ok=True)
    _link_reference(out)
    _write_esco(out)
    inventory = out / "data" / "inventory"
    if inventory.exists():
        shutil.rmtree(inventory)
    inventory.mkdir(parents=True)
    gen = InventoryGenerator(seed, outcomes=outcomes_supported())
    files: dict[str, int] = {}
    faults: dict[str, str] = {}
    all_rows: dict[str, list[dict[str, str]]] = {}
    for subsector, count in _counts(n).items():
        all_rows[subsector] = [gen.row(subsector, i) for i in range(1, count + 1)]
    if invalid:
        # Faults go into the re-imported file, spread over it; a duplicate copies a code of another file.
        rows = all_rows["continuing-training"]
        step = max(1, len(rows) // invalid)
        for k in range(invalid):
            row = rows[(k * step) % len(rows)]
            fault = FAULTS[k % len(FAULTS)]
            faults[row["code"]] = fault
            _break(row, fault, all_rows["higher-education"][k % len(all_rows["higher-education"])]["code"])
    for subsector, rows in all_rows.items():
        path = inventory / f"{subsector}.csv"
        _write_csv(path, HEADER, rows)
        files[path.name] = len(rows)
    real = list(csv.DictReader((REPO / "data" / "inventory" / "organisations.csv").open(encoding="utf-8")))
    _write_csv(inventory / "organisations.csv", ORG_HEADER, real + gen.providers)
    files["organisations.csv"] = len(real) + len(gen.providers)
    (out / "faults.json").write_text(json.dumps(faults, indent=1), encoding="utf-8")
    return Generated(out, files, faults, inventory / "continuing-training.csv", gen.with_outcomes)


def main(argv: list[str] | None = None) -> int:
    """Command line: write a scale inventory."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=1_000, help="number of qualifications")
    parser.add_argument("--out", type=Path, required=True, help="folder to write (a resources root)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--invalid", type=int, default=0, help="faulty rows to put in continuing-training.csv")
    args = parser.parse_args(argv)
    result = generate(args.n, args.out, args.seed, args.invalid)
    if not result.outcomes:
        print(
            "warning: the card reader rejects acquis_fr/acquis_en (cnc_graph.ingest.inventory._convert_value has no "
            "branch for kind 'outcomes'): learning outcomes left empty"
        )
    for name, rows in result.files.items():
        print(f"{result.root / 'data' / 'inventory' / name}: {rows} rows")
    return 0


assert set(SUBSECTORS) == set(DIPLOMAS)

if __name__ == "__main__":
    raise SystemExit(main())
