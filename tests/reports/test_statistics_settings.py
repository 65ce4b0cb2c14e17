"""The perturbation table's parameters are read from the environment (a misspelt name fails)."""

from tests.portal.test_settings import run_python

READ_BACK = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.STATISTICS_SMALL_COUNT, s.STATISTICS_MAX_NOISE, "
    "','.join(map(str, s.STATISTICS_NOISE_PROBABILITIES)), s.STATISTICS_AMOUNT_ROUNDING)"
)


def test_statistics_parameters_are_read_from_the_environment():
    result = run_python(
        READ_BACK,
        {
            "DEBUG": "True",
            "STATISTICS_SMALL_COUNT": "10",
            "STATISTICS_MAX_NOISE": "1",
            "STATISTICS_NOISE_PROBABILITIES": "0.6,0.2",
            "STATISTICS_AMOUNT_ROUNDING": "500",
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["10", "1", "0.6,0.2", "500"]


def test_statistics_defaults():
    result = run_python(READ_BACK, {"DEBUG": "True"})
    assert result.stdout.split() == ["5", "2", "0.5,0.2,0.05", "100"]
