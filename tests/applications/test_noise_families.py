"""Scenario families: what each draw promises (exact SNR, paths of the stated phase, mains inside its band),
determinism under a seed, refusals of impossible settings, and the family benchmark's summary and resume."""

import json

import numpy as np
import pytest
from scipy import signal

from rnnzoo.applications.noise_cancellation import families

ECG = dict(seconds=8.0, calibration_seconds=4.0)  # short draws: the promises do not depend on length
HELICOPTER = dict(seconds=1.0, calibration_seconds=0.5)


def input_snr(scenario):
    """10 log10(Σ clean² / Σ noise²), written out here from its definition."""
    noise = scenario.primary - scenario.clean
    return 10 * np.log10(np.sum(scenario.clean**2) / np.sum(noise**2))


@pytest.mark.parametrize("family, options", [("ecg", ECG), ("helicopter", HELICOPTER)])
def test_a_draw_is_deterministic_hits_its_snr_and_has_a_calibration_stretch(shared_data, family, options):
    a, b, c = families.draw(family, 5, **options), families.draw(family, 5, **options), families.draw(family, 6, **options)
    np.testing.assert_array_equal(a.primary, b.primary)
    np.testing.assert_array_equal(a.reference, b.reference)
    assert a.info == b.info and json.loads(json.dumps(a.info)) == a.info  # plain JSON
    assert not np.array_equal(a.primary, c.primary)
    assert input_snr(a) == pytest.approx(a.info["input_snr_db"], abs=1e-9)
    assert -10.0 <= a.info["input_snr_db"] <= 10.0
    cal_primary, cal_reference = a.calibration
    assert len(cal_primary) == len(cal_reference) == int(options["calibration_seconds"] * a.fs)
    assert len(a.primary) == len(a.reference) == len(a.clean) == int(options["seconds"] * a.fs)


def test_ecg_test_and_calibration_segments_do_not_overlap(shared_data):
    for seed in range(6):
        info = families.draw("ecg", seed, **ECG).info
        test = (info["start_s"], info["start_s"] + ECG["seconds"])
        calibration = (info["calibration_start_s"], info["calibration_start_s"] + ECG["calibration_seconds"])
        assert test[1] <= calibration[0] or calibration[1] <= test[0]


def test_ecg_reference_is_the_mains_and_its_frequency_stays_in_the_band(shared_data):
    for seed in range(8):
        scenario = families.draw("ecg", seed, **ECG)
        mains = scenario.info["mains"]
        low, high = mains["band"]
        assert low <= mains["frequency_min_hz"] <= mains["frequency_max_hz"] <= high
        assert np.abs(scenario.reference).max() <= 1.0
        assert scenario.info["nominal_mains"] == (50.0 if high < 55 else 60.0)


@pytest.mark.parametrize("behaviour", families.BEHAVIOURS)
@pytest.mark.parametrize("band", [(47.0, 53.0), (57.0, 63.0)])
def test_mains_phase_advances_by_its_frequency_inside_the_band(behaviour, band):
    fs, n = 1000.0, 40_000
    phase, frequency, _ = families.mains_phase(np.random.default_rng(3), behaviour, band, n, fs)
    assert band[0] - 1e-9 <= frequency.min() and frequency.max() <= band[1] + 1e-9
    np.testing.assert_allclose(np.diff(phase), 2 * np.pi * frequency[1:] / fs, rtol=0, atol=1e-6)
    if behaviour == "fixed":
        assert np.ptp(frequency) == 0
    else:
        assert np.ptp(frequency) > 0.1  # it moves


@pytest.mark.parametrize("kind", families.COUPLINGS)
@pytest.mark.parametrize("phase", families.PHASES)
def test_coupling_paths_have_the_stated_phase_unit_energy_and_stable_poles(kind, phase):
    for seed in range(10):
        b, a = families.coupling_path(np.random.default_rng(seed), kind, phase, fir_taps=(3, 12), iir_order=(1, 2))
        zeros, poles = np.abs(np.roots(b)), np.abs(np.roots(a))
        if phase == "minimum":
            assert np.all(zeros < 1.0)
        else:
            assert np.any(zeros > 1.0)
        assert np.all(poles < 1.0)
        response = signal.lfilter(b, a, np.r_[1.0, np.zeros(2999)])
        assert np.sum(response**2) == pytest.approx(1.0, rel=1e-9)


@pytest.mark.parametrize(
    "settings, name",
    [
        (dict(snr_db=(10.0, -10.0)), "snr_db"),  # an empty range
        (dict(snr_db=(0.0, float("nan"))), "snr_db"),
        (dict(harmonics=(2, 9), fs=1000), "harmonics"),  # 9 x 63 Hz > 500 Hz: above Nyquist
        (dict(harmonics=(1, 3)), "harmonics"),  # the 1st is the fundamental, not a harmonic
        (dict(mains_behaviours=("wobble",)), "mains_behaviours"),
        (dict(mains_bands=((53.0, 47.0),)), "mains_bands"),
        (dict(mains_bands=()), "mains_bands"),
        (dict(couplings=()), "couplings"),
        (dict(fir_taps=(1, 4)), "fir_taps"),
        (dict(leads=("V1",)), "leads"),
        (dict(seconds=1e6), "seconds"),  # longer than the record
        (dict(seconds=-1.0), "seconds"),
        (dict(calibration_seconds=0.0), "calibration_seconds"),
        (dict(colour="red"), "colour"),
    ],
)
def test_impossible_settings_are_refused_by_name(shared_data, settings, name):
    with pytest.raises(ValueError, match=name):
        families.draw("ecg", 0, **settings)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "3"])
def test_bad_seeds_and_families_are_refused(seed):
    with pytest.raises(ValueError, match="seed"):
        families.draw("ecg", seed)
    with pytest.raises(ValueError, match="family"):
        families.draw("radio", 0)


def test_family_benchmark_summarises_and_resumes(shared_data, tmp_path, capsys, monkeypatch):
    from benchmarks import noise_cancellation as bench
    from rnnzoo.applications.noise_cancellation import evaluation

    monkeypatch.setitem(evaluation.FAMILY_SKIP_SECONDS, "ecg", 1.0)
    draw = families.draw
    monkeypatch.setattr(families, "draw", lambda family, seed: draw(family, seed, seconds=4.0, calibration_seconds=2.0))
    results = tmp_path / "rows.jsonl"
    bench.main(["--family", "ecg", "--draws", "3", "--methods", "notch,nlms,esn", "--results", str(results)])
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert sorted((r["seed"], r["method"]) for r in rows) == sorted((s, m) for s in range(3) for m in ("notch", "nlms", "esn"))
    table = capsys.readouterr().out
    esn = [r["snr_out"] for r in rows if r["method"] == "esn"]
    line = next(line for line in table.splitlines() if line.startswith("esn"))
    assert float(line.split()[1]) == pytest.approx(np.median(esn), abs=5e-4)  # median_snr
    assert float(line.split()[3]) == pytest.approx(min(esn), abs=5e-4)  # worst_snr
    wins = sum(int(line.split()[4]) for line in table.splitlines()[-3:])
    assert wins == 3  # one winner per draw
    with results.open("a") as out:
        out.write('{"seed": 9, "meth')  # a half-written line from a killed run
    bench.main(["--family", "ecg", "--draws", "3", "--methods", "notch,nlms,esn", "--results", str(results)])
    assert len(results.read_text().splitlines()) == len(rows) + 1  # nothing ran again


def test_a_diverging_filter_is_scored_worst_not_a_crash(shared_data, tmp_path, monkeypatch):
    from benchmarks import noise_cancellation as bench

    draw = families.draw
    monkeypatch.setattr(families, "draw", lambda family, seed: draw(family, seed, seconds=6.0, calibration_seconds=2.0))
    rows = bench.score_draws("ecg", [0], [("lms", dict(taps=4, mu=1e6)), ("nlms", {})], tmp_path / "rows.jsonl")
    diverged, fine = rows
    assert diverged["diverged"] and diverged["snr_out"] == float("-inf")
    table = bench.summary(rows, "snr_out")
    assert table["lms"]["diverged"] == 1 and table["nlms"]["diverged"] == 0 and table["nlms"]["wins"] == 1
    assert bench.score_draws("ecg", [0], [("lms", dict(taps=4, mu=1e6))], tmp_path / "rows.jsonl")[0]["diverged"]  # read back
