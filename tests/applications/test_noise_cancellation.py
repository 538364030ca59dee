"""Adaptive noise cancellation: streaming exactness, causality, and the filters against independent references."""

import subprocess
import sys

import numpy as np
import pytest
from scipy import signal

from rnnzoo.applications.common.metrics import band_attenuation_db, snr_db, snr_improvement_db
from rnnzoo.applications.noise_cancellation.cancellers import cancel, make_canceller

FS = 1000.0
def mains_case(n=3000, seed=0, harmonics=0.5):
    """A small drifting-mains case: 5 Hz 'ECG' + interference at 48–52 Hz with a 2nd harmonic."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / FS
    phase = 2 * np.pi * np.cumsum(50 + 2 * np.sin(2 * np.pi * t / 2.0)) / FS
    reference = np.cos(phase)
    noise = 1.5 * np.cos(phase + 0.7) + harmonics * np.cos(2 * phase + 0.3)
    clean = np.sin(2 * np.pi * 5 * t) + 0.1 * rng.normal(size=n)
    return clean, clean + noise, reference


def calibration_of(n=1000, seed=9):
    _, primary, reference = mains_case(n, seed)
    return primary, reference


# A tiny, quickly trained RNN: these tests check streaming and causality, not quality.
FAST = {
    "notch": {},
    "lms": {},
    "nlms": {},
    "rls": {},
    "volterra": {},
    "esn": {"units": 10},
    "rnn": {"units": 4, "epochs": 1, "sequence": 100, "calibration": calibration_of()},
}


@pytest.mark.parametrize("method", sorted(FAST))
def test_chunks_of_any_size_give_exactly_one_call(method):
    _, primary, reference = mains_case(1500)
    whole = cancel(primary, reference, FS, method=method, **FAST[method])
    stream = make_canceller(method, FS, **FAST[method])
    cuts = np.sort(np.random.default_rng(1).choice(np.arange(1, 1500), 12, replace=False))
    pieces = [stream.process(p, r) for p, r in zip(np.split(primary, cuts), np.split(reference, cuts))]
    pieces.append(stream.process(primary[:0], reference[:0]))  # an empty chunk is fine too
    np.testing.assert_array_equal(np.concatenate(pieces), whole)
    stream.reset()
    np.testing.assert_array_equal(stream.process(primary, reference), whole)


@pytest.mark.parametrize("method", sorted(FAST))
def test_causal_the_future_does_not_change_the_past(method):
    _, primary, reference = mains_case(1200)
    base = cancel(primary, reference, FS, method=method, **FAST[method])
    p2, r2 = primary.copy(), reference.copy()
    p2[700:] += 5.0 * np.random.default_rng(2).normal(size=500)
    r2[700:] *= -3.0
    changed = cancel(p2, r2, FS, method=method, **FAST[method])
    np.testing.assert_array_equal(changed[:700], base[:700])
    assert len(changed) == len(primary)


def test_nlms_matches_a_plain_loop():
    _, primary, reference = mains_case(800)
    taps, mu, eps = 5, 0.3, 1e-6
    w, x, expected = np.zeros(taps), np.zeros(taps), []
    for d, r in zip(primary, reference):
        x = np.concatenate([[r], x[:-1]])
        e = d - w @ x
        w = w + mu * e * x / (eps + x @ x)
        expected.append(e)
    np.testing.assert_allclose(cancel(primary, reference, FS, method="nlms", taps=taps, mu=mu, eps=eps), expected, rtol=1e-10, atol=1e-12)


def test_lms_matches_a_plain_loop():
    _, primary, reference = mains_case(500)
    w, x, expected = np.zeros(3), np.zeros(3), []
    for d, r in zip(primary, reference):
        x = np.concatenate([[r], x[:-1]])
        e = d - w @ x
        w = w + 0.05 * e * x
        expected.append(e)
    np.testing.assert_allclose(cancel(primary, reference, FS, method="lms", taps=3, mu=0.05), expected, rtol=1e-10, atol=1e-12)


def test_rls_matches_a_plain_loop():
    _, primary, reference = mains_case(600)
    taps, lam, ridge = 3, 0.99, 1e-2
    w, P, x, expected = np.zeros(taps + 1), np.eye(taps + 1) / ridge, np.zeros(taps), []
    for d, r in zip(primary, reference):  # Haykin's RLS over the delay line and a bias
        x = np.concatenate([[r], x[:-1]])
        phi = np.r_[x, 1.0]
        e = d - w @ phi
        k = P @ phi / (lam + phi @ P @ phi)
        w = w + k * e
        P = (P - np.outer(k, phi @ P)) / lam
        expected.append(e)
    got = cancel(primary, reference, FS, method="rls", taps=taps, forgetting_factor=lam, ridge=ridge, dc_block=0.0)
    np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-9)


def test_nlms_converges_to_the_known_linear_path():
    rng = np.random.default_rng(3)
    reference = rng.normal(size=4000)
    path = np.array([0.8, -0.5, 0.3, 0.1])
    primary = signal.lfilter(path, [1.0], reference)  # purely linear, stationary, no wanted signal
    canceller = make_canceller("nlms", FS, taps=6, mu=0.5)
    cleaned = canceller.process(primary, reference)
    np.testing.assert_allclose(canceller.w, np.r_[path, 0.0, 0.0], atol=1e-6)
    assert np.abs(cleaned[-500:]).max() < 1e-6


@pytest.mark.parametrize("mains", [50.0, 60.0])
def test_notch_attenuation_matches_freqz_of_the_design(mains):
    fs, n = 1000.0, 20000
    canceller = make_canceller("notch", fs, mains=mains, harmonics=3, quality=30.0)
    t = np.arange(n) / fs
    for f in (mains - 0.5, 2 * mains + 1.0, mains + 3.0):  # off the null, where the output is above round-off
        tone = np.sin(2 * np.pi * f * t)
        canceller.reset()
        out = canceller.process(tone, None)
        measured = 20 * np.log10(np.std(out[n // 2 :]) / np.std(tone[n // 2 :]))
        _, h = signal.sosfreqz(canceller.sos, worN=[f], fs=fs)
        assert measured == pytest.approx(20 * np.log10(abs(h[0])), abs=0.1)
    _, h = signal.sosfreqz(canceller.sos, worN=[mains], fs=fs)
    assert 20 * np.log10(abs(h[0]) + 1e-300) < -40  # a deep notch exactly on the mains


def test_adaptive_methods_track_drift_where_the_notch_fails():
    clean, primary, reference = mains_case(6000)
    skip = 3000
    gains = {m: snr_improvement_db(clean, primary, cancel(primary, reference, FS, method=m, **FAST[m]), skip) for m in ("notch", "nlms", "esn")}
    assert gains["notch"] < 8 and gains["nlms"] > 6 and gains["esn"] > gains["nlms"] + 3, gains


def test_rnn_trained_on_calibration_tracks_drift_and_harmonics():
    clean, primary, reference = mains_case(6000)
    skip = 3000
    gains = {
        m: snr_improvement_db(clean, primary, cancel(primary, reference, FS, method=m, **options), skip)
        for m, options in [("nlms", {}), ("rnn", dict(units=8, epochs=4, calibration=calibration_of(4000)))]
    }
    assert gains["rnn"] > gains["nlms"] + 3, gains


def test_rnn_needs_a_calibration():
    _, primary, reference = mains_case(300)
    with pytest.raises(ValueError, match="calibration"):
        cancel(primary, reference, FS, method="rnn")


def test_stoi_of_known_cases():
    pytest.importorskip("pystoi")
    from rnnzoo.applications.common.metrics import stoi

    rng = np.random.default_rng(0)
    fs = 8000
    t = np.arange(3 * fs) / fs
    speech = np.sin(2 * np.pi * 300 * t) * (1 + np.sin(2 * np.pi * 4 * t)) + 0.5 * np.sin(2 * np.pi * 1200 * t) * (t % 0.5 < 0.25)
    assert stoi(speech, speech, fs) == pytest.approx(1.0, abs=1e-6)
    noisy = speech + 3 * speech.std() * rng.normal(size=len(speech))  # about −10 dB SNR
    assert stoi(speech, noisy, fs) < 0.6


def test_snr_improvement_of_a_known_case():
    rng = np.random.default_rng(0)
    clean = rng.normal(size=5000)
    noise = rng.normal(size=5000)
    noise *= np.sqrt(np.sum(clean**2) / np.sum(noise**2))  # input SNR exactly 0 dB
    assert snr_db(clean, clean + noise) == pytest.approx(0.0, abs=1e-9)
    assert snr_improvement_db(clean, clean + noise, clean + noise / 10) == pytest.approx(20.0, abs=1e-9)


def test_band_attenuation_of_a_known_tone():
    fs, t = 1000.0, np.arange(10000) / 1000.0
    before = np.sin(2 * np.pi * 50 * t) + np.sin(2 * np.pi * 10 * t)
    after = 0.01 * np.sin(2 * np.pi * 50 * t) + np.sin(2 * np.pi * 10 * t)
    fifty, ten = band_attenuation_db(before, after, fs, [50.0, 10.0])
    assert fifty == pytest.approx(40.0, abs=0.01) and ten == pytest.approx(0.0, abs=0.01)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda p, r: (p[:-1], r, {}), "different lengths"),
        (lambda p, r: (p, r, {"reference_fs": 8000}), "different sample rates"),
        (lambda p, r: (np.where(np.arange(len(p)) == 7, np.nan, p), r, {}), "NaN or inf"),
        (lambda p, r: (p, np.where(np.arange(len(r)) == 9, np.inf, r), {}), "NaN or inf"),
        (lambda p, r: (p, np.zeros_like(r), {}), "silent"),
        (lambda p, r: (p, r, {"method": "notch", "fs": 250.0, "harmonics": 3}), "too low"),
        (lambda p, r: (p, r, {"method": "wiener"}), "Unknown method"),
        (lambda p, r: (p, r, {"mu": -1.0}), "mu"),
    ],
)
def test_bad_inputs_name_the_problem(change, message):
    _, primary, reference = mains_case(300)
    primary, reference, options = change(primary, reference)
    options = {"method": "nlms", "fs": FS, **options}
    with pytest.raises(ValueError, match=message):
        cancel(primary, reference, **options)


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "rnnzoo", *args], capture_output=True, text=True, cwd=cwd)


def test_cli_denoises_text_files_and_keeps_the_old_output_on_error(tmp_path):
    _, primary, reference = mains_case(2000)
    np.savetxt(tmp_path / "p.txt", primary)
    np.savetxt(tmp_path / "r.txt", reference)
    out = tmp_path / "clean.txt"
    ok = run_cli("denoise", "--primary", str(tmp_path / "p.txt"), "--reference", str(tmp_path / "r.txt"), "--out", str(out), "--fs", "1000")
    assert ok.returncode == 0, ok.stderr
    expected = cancel(primary, reference / np.abs(reference).max(), FS, method="nlms")
    np.testing.assert_allclose(np.loadtxt(out), expected, rtol=1e-6, atol=1e-9)
    out.write_text("previous result\n")
    np.savetxt(tmp_path / "short.txt", reference[:-5])
    bad = run_cli("denoise", "--primary", str(tmp_path / "p.txt"), "--reference", str(tmp_path / "short.txt"), "--out", str(out), "--fs", "1000")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and "different lengths" in bad.stderr
    assert out.read_text() == "previous result\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean.txt", "p.txt", "r.txt", "short.txt"]  # no temp file left


@pytest.mark.parametrize("content, message", [(b"not audio at all", "Cannot read audio file"), (None, "No such file")])
def test_cli_unreadable_audio_is_one_line(tmp_path, content, message):
    wav = tmp_path / "p.wav"
    if content is not None:
        wav.write_bytes(content)
    result = run_cli("denoise", "--primary", str(wav), "--reference", str(wav), "--out", str(tmp_path / "o.wav"))
    assert result.returncode != 0 and message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o.wav").exists()


def test_wav_round_trip_through_the_cli(tmp_path):
    soundfile = pytest.importorskip("soundfile")
    _, primary, reference = mains_case(1600)
    soundfile.write(tmp_path / "p.wav", primary / 4, 8000, subtype="FLOAT")
    soundfile.write(tmp_path / "r.wav", reference, 16000, subtype="FLOAT")
    result = run_cli("denoise", "--primary", str(tmp_path / "p.wav"), "--reference", str(tmp_path / "r.wav"), "--out", str(tmp_path / "o.wav"))
    assert result.returncode != 0 and "different sample rates" in result.stderr


def test_denoise_smoke_on_the_real_ecg_scenarios(shared_data, tmp_path):
    from rnnzoo.applications.noise_cancellation import denoise

    rows = denoise.main(["--scenario", "ecg", "--smoke", "--methods", "notch,nlms,volterra,esn", "--plot", str(tmp_path / "ecg.png")])
    assert (tmp_path / "ecg.png").stat().st_size > 10_000
    assert rows["esn"]["snr_out"] > rows["nlms"]["snr_out"] + 6 and rows["notch"]["snr_gain"] < 5
    rows = denoise.main(["--scenario", "ecg50hz", "--methods", "nlms,esn"])
    assert rows["esn"]["atten_50Hz"] > 25


@pytest.mark.slow
def test_helicopter_scenario_is_deterministic_and_cancellable(shared_data):
    from rnnzoo.applications.noise_cancellation import scenarios

    a, b = scenarios.helicopter(seconds=2.0, seed=3), scenarios.helicopter(seconds=2.0, seed=3)
    np.testing.assert_array_equal(a.primary, b.primary)
    cleaned = cancel(a.primary, a.reference, a.fs, method="nlms", taps=32, mu=0.1)
    assert snr_improvement_db(a.clean, a.primary, cleaned, skip=4000) > 3
