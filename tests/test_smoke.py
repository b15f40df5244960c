from pathlib import Path

from auditkit.register.loader import load_register

CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance"


def test_conformance_register_loads_with_canonical_names() -> None:
    register = load_register(CONFORMANCE / "register-104" / "data")
    assert register.row_counts()["subjects"] == 601
    assert register.absent_columns["consents"] == frozenset({"source"})
    assert [c.name for c in register.unclassified()] == ["terveystiedot", "cookie_id"]
