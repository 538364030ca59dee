"""speech_ctc: error rates, labels, audio reading and features, utterances, CTC loss and decoding, a smoke run."""

import math

import numpy as np
import pytest
import soundfile

from rnnzoo.applications.speech_ctc import audio, data, decode, model as ctc_model, text

RATE = 8000


# ---------------------------------------------------------------- error rates, worked by hand
@pytest.mark.parametrize(
    "reference, hypothesis, distance",
    [
        ("kitten", "sitting", 3),  # k->s, e->i, +g
        ("flaw", "lawn", 2),  # -f, +n
        ("", "abc", 3),
        ("abc", "", 3),
        ("abc", "abc", 0),
        (["one", "two", "three"], ["one", "three"], 1),
        (["nine"], ["five", "nine", "nine"], 2),
    ],
)
def test_edit_distance_matches_hand_counts(reference, hypothesis, distance):
    assert text.edit_distance(reference, hypothesis) == distance


def test_corpus_wer_and_cer_pool_the_edits():
    references = ["one two three", "four"]
    hypotheses = ["one too three four", "four"]  # 1 substitution + 1 insertion over 4 words
    assert text.wer(references, hypotheses) == pytest.approx(2 / 4)
    # "two"->"too": 1 character; " four": 5 inserted characters; over 13 + 4 reference characters.
    assert text.cer(references, hypotheses) == pytest.approx(6 / 17)
    with pytest.raises(ValueError, match="all empty"):
        text.wer([""], ["one"])


def test_labels_round_trip_and_refuse_characters_outside_the_alphabet():
    ids = text.encode("  Seven  don't ")
    assert ids.min() >= 1 and text.decode(np.concatenate([[0], ids, [-1]])) == "seven don't"
    with pytest.raises(ValueError, match=r"clip_7\.wav.*'3'"):
        text.encode("seven 3", source="clip_7.wav")


# ---------------------------------------------------------------- audio files
def tone(frequency, seconds=0.5, rate=RATE, amplitude=0.5):
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * frequency * t)).astype("float32")


def test_wav_round_trip_stereo_to_mono_and_resampling(tmp_path):
    left, right = tone(440, rate=16000), tone(440, rate=16000, amplitude=0.1)
    soundfile.write(tmp_path / "stereo.wav", np.stack([left, right], axis=1), 16000, subtype="PCM_16")
    samples, channels, rate = audio.load_audio(tmp_path / "stereo.wav", RATE)
    assert (channels, rate) == (2, 16000) and len(samples) == len(left) // 2
    # The mean of the channels, at 8 kHz, is the same tone sampled at 8 kHz (away from the filter's edges).
    expected = tone(440, amplitude=0.3)
    np.testing.assert_allclose(samples[200:-200], expected[200:-200], atol=5e-3)


def test_float_wav_falls_back_to_soundfile(tmp_path):
    soundfile.write(tmp_path / "float.wav", tone(300), RATE, subtype="FLOAT")
    samples, rate = audio.read_wav(tmp_path / "float.wav")
    assert rate == RATE and np.allclose(samples[:, 0], tone(300), atol=1e-6)


@pytest.mark.parametrize("content", [b"this is not audio at all", b"RIFF\x24\x00\x00\x00WAVEfmt "])
def test_non_wav_and_truncated_files_are_refused_naming_the_file(tmp_path, content):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="bad.wav"):
        audio.read_wav(path)
    with pytest.raises(FileNotFoundError, match="missing.wav"):
        audio.read_wav(tmp_path / "missing.wav")


# ---------------------------------------------------------------- features
def test_a_tone_peaks_in_the_mel_bin_whose_centre_is_nearest():
    frequency = 1000.0
    features = audio.log_mel_spectrogram(tone(frequency)[None]).numpy()[0]
    # HTK mel scale (tf.signal's): bin centres equally spaced in mel between 20 Hz and 4 kHz.
    mel = lambda f: 1127.0 * np.log1p(f / 700.0)  # noqa: E731
    centres = np.linspace(mel(20.0), mel(RATE / 2), audio.NUM_MELS + 2)[1:-1]
    assert np.argmax(features.mean(axis=0)) == np.argmin(np.abs(centres - mel(frequency)))


def test_features_are_normalised_per_utterance_and_ignore_padding():
    rng = np.random.default_rng(0)
    short, long = rng.normal(0, 0.1, 3000).astype("float32"), rng.normal(0, 0.3, 6000).astype("float32")
    padded, lengths, _ = data.pad_batch([short, long], ["one", "two"])
    batch = audio.log_mel(padded, lengths).numpy()
    alone = audio.log_mel(short[None], [len(short)]).numpy()[0]
    frames = audio.num_frames(len(short))
    assert alone.shape == (frames, audio.NUM_MELS) and batch.shape[1] == audio.num_frames(len(long))
    np.testing.assert_allclose(batch[0, :frames], alone, atol=1e-4)  # padding changes nothing before it
    np.testing.assert_allclose(alone.mean(axis=0), 0.0, atol=1e-4)
    assert np.all(alone.std(axis=0) < 1.0) and np.all(alone.std(axis=0) > 0.9)


def test_silence_gives_finite_features_and_an_empty_transcript_without_a_model():
    assert np.isfinite(audio.log_mel(np.zeros((1, 4000)), [4000]).numpy()).all()
    assert decode.transcribe_audio(None, np.zeros(4000, "float32")) == ""
    assert decode.transcribe_audio(None, np.zeros(0, "float32")) == ""


def test_long_audio_is_cut_in_its_pauses_and_very_long_audio_refused():
    rng = np.random.default_rng(1)
    speech = lambda seconds: rng.normal(0, 0.2, int(seconds * RATE)).astype("float32")  # noqa: E731
    recording = np.concatenate([speech(17.0), np.zeros(int(0.5 * RATE), "float32"), speech(10.0)])
    pieces = decode.split_at_pauses(recording, RATE, chunk_seconds=20.0)
    assert len(pieces) == 2 and np.array_equal(np.concatenate(pieces), recording)
    assert 17.0 * RATE <= len(pieces[0]) <= 17.5 * RATE  # the cut is inside the half-second pause
    with pytest.raises(ValueError, match="longer than"):
        decode.transcribe_audio(None, np.ones(int(601 * RATE), "float32"))


# ---------------------------------------------------------------- utterances
def synthetic_clips():
    """Clip of digit d: d+1 constant samples of value (d + 1) / 100, so an utterance can be read back."""
    return [dict(audio=np.full(50, (d + 1) / 100, "float32"), digit=d, speaker="s", take=0) for d in range(10)]


def read_back(utterance):
    values = np.round(utterance * 100).astype(int)
    runs = [v for k, v in enumerate(values) if v > 0 and (k == 0 or values[k - 1] != v)]
    return " ".join(text.DIGIT_WORDS[v - 1] for v in runs)


def test_utterances_are_deterministic_and_say_their_transcript(monkeypatch):
    monkeypatch.setattr(data, "GAIN_DB", (0.0, 0.0))
    monkeypatch.setattr(data, "NOISE_RMS", (1e-9, 1e-9))
    monkeypatch.setattr(data, "GAP_SECONDS", (0.01, 0.02))  # every gap is silence between two clips
    audios, transcripts = data.fixed_utterances(synthetic_clips(), 20, seed=3, digits=(8, 10))
    again, _ = data.fixed_utterances(synthetic_clips(), 20, seed=3, digits=(8, 10))
    assert all(np.array_equal(a, b) for a, b in zip(audios, again))
    assert all(8 <= len(t.split()) <= 10 for t in transcripts)
    assert [read_back(a) for a in audios] == transcripts


def test_fsdd_split_keeps_the_test_takes_out_of_training(shared_data):
    train, validation, test = data.split_fsdd(data.read_fsdd())
    assert (len(train), len(validation), len(test)) == (2000, 250, 250)
    assert {c["take"] for c in test} == set(range(5)) and min(c["take"] for c in train) == 5
    assert {c["take"] for c in validation} == set(range(45, 50))


def test_training_batches_are_the_same_stream_for_the_same_seed():
    first = [y.numpy() for _, y in data.fsdd_training_batches(synthetic_clips(), 4, seed=5).take(3)]
    second = [y.numpy() for _, y in data.fsdd_training_batches(synthetic_clips(), 4, seed=5).take(3)]
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    assert not np.array_equal(first[0], first[1]) or not np.array_equal(first[1], first[2])


def test_transcribed_folder_loads_and_names_a_bad_file_and_character(tmp_path):
    for name in ("a.wav", "b.wav"):
        soundfile.write(tmp_path / name, tone(200, rate=16000), 16000, subtype="PCM_16")
    (tmp_path / "transcripts.csv").write_text("file,transcript\na.wav,Hello there\nb.wav,it's me\n")
    audios, transcripts, sources = data.read_transcribed_folder(tmp_path)
    assert transcripts == ["hello there", "it's me"] and len(audios[0]) == RATE // 2
    (tmp_path / "transcripts.csv").write_text("a.wav,hello\nb.wav,caf\u00e9\n")
    with pytest.raises(ValueError, match=r"b\.wav.*'\u00e9'"):
        data.read_transcribed_folder(tmp_path)
    with pytest.raises(FileNotFoundError, match="none.csv"):
        data.read_transcribed_folder(tmp_path, tmp_path / "none.csv")


# ---------------------------------------------------------------- CTC loss, decoding, model
def test_ctc_loss_matches_closed_form_path_counts():
    classes = len(text.ALPHABET) + 1
    uniform = np.zeros((2, 2, classes), "float32")  # every class 1/C at both frames
    # Label "a" (id 2) over 2 frames: paths (a,a), (blank,a), (a,blank): 3 / C^2. The 0s after it are padding.
    labels = np.array([[2, 0, 0], [2, 0, 0]], "int32")
    loss = np.asarray(ctc_model.ctc_loss(labels, uniform))
    np.testing.assert_allclose(loss, -math.log(3 / classes**2), rtol=1e-5)
    # Label "aa" needs a blank between: (a, blank, a) is the only path of 3 frames.
    loss = np.asarray(ctc_model.ctc_loss(np.array([[2, 2]], "int32"), np.zeros((1, 3, classes), "float32")))
    np.testing.assert_allclose(loss, -math.log(1 / classes**3), rtol=1e-5)


@pytest.mark.parametrize("beam", [None, 4])
def test_decoding_merges_repeats_and_drops_blanks(beam):
    ids = [text.encode(c)[0] for c in "oon"] + [0, text.encode("e")[0], 0, text.encode("e")[0]]
    logits = np.full((1, len(ids), len(text.ALPHABET) + 1), -10.0, "float32")
    logits[0, np.arange(len(ids)), ids] = 10.0
    assert decode.decode_logits(logits, [len(ids)], beam=beam) == ["onee"]
    assert decode.decode_logits(logits, [3], beam=beam) == ["on"]  # only the first 3 frames


def test_spec_augment_masks_bands_in_training_only():
    layer = ctc_model.SpecAugment(freq_masks=1, freq_width=5, time_masks=1, time_fraction=0.1, seed=0)
    features = np.ones((3, 100, 40), "float32")
    assert np.array_equal(np.asarray(layer(features)), features)
    masked = np.asarray(layer(features, training=True))
    assert set(np.unique(masked)) <= {0.0, 1.0}
    for example in masked:
        bins = np.where(example.max(axis=0) == 0)[0]
        frames = np.where(example.max(axis=1) == 0)[0]
        assert len(bins) <= 5 and len(frames) <= 10
        assert len(bins) == 0 or np.array_equal(bins, np.arange(bins[0], bins[0] + len(bins)))


@pytest.mark.parametrize("rnn", sorted(ctc_model.RECURRENT_LAYERS))
def test_every_recurrent_layer_builds_a_model_at_half_the_frame_rate(rnn):
    model = ctc_model.build(rnn=rnn, units=4, num_layers=1, conv_filters=4)
    assert tuple(model(np.zeros((2, 11, audio.NUM_MELS), "float32")).shape) == (2, 6, len(text.ALPHABET) + 1)
    with pytest.raises(ValueError, match="rnn='transformer'"):
        ctc_model.build(rnn="transformer")


@pytest.mark.parametrize("rnn", ["gru", pytest.param("peephole", marks=pytest.mark.slow)])
def test_smoke_training_run_saves_finite_weights(tmp_path, shared_data, rnn):
    # Batches of varying length through one trace: peephole's fused loop with time unknown when traced.
    from rnnzoo.applications.speech_ctc import train

    figures = train.main(["--smoke", "--rnn", rnn, "--save", str(tmp_path / "m.weights.h5")])
    assert set(figures) == {None, 8} and all(np.isfinite(w) for w in figures.values())
    assert (tmp_path / "m.weights.h5").stat().st_size > 0


@pytest.mark.slow
def test_smoke_training_run_on_a_folder_of_recordings(tmp_path):
    from rnnzoo.applications.speech_ctc import train

    rows = ["file,transcript"]
    for k in range(20):  # 2 held out for validation
        soundfile.write(tmp_path / f"{k}.wav", tone(200 + 50 * k, rate=16000), 16000, subtype="PCM_16")
        rows.append(f"{k}.wav,{text.DIGIT_WORDS[k % 10]}")
    (tmp_path / "transcripts.csv").write_text("\n".join(rows) + "\n")
    figures = train.main(["--smoke", "--data-dir", str(tmp_path)])
    assert all(np.isfinite(w) for w in figures.values())


def test_training_can_continue_from_saved_weights(tmp_path):
    from rnnzoo.applications.speech_ctc import train

    config = dict(alphabet=text.ALPHABET, units=4, num_layers=1, conv_filters=4)
    first = ctc_model.build(**config)
    first.save_weights(tmp_path / "start.weights.h5")
    continued = train.initial_model(config, tmp_path / "start.weights.h5")
    for a, b in zip(first.get_weights(), continued.get_weights()):
        np.testing.assert_array_equal(a, b)
    fresh = train.initial_model(config)
    assert any(not np.array_equal(a, b) for a, b in zip(first.get_weights(), fresh.get_weights()))
    with pytest.raises(SystemExit):
        train.parse_args(["--init-weights", str(tmp_path / "absent.weights.h5")])


def test_fsdd_strings_mixed_into_a_corpus_come_from_training_takes_and_leave_a_speaker_out(shared_data, monkeypatch):
    from rnnzoo.applications.speech_ctc import train

    chosen = []
    real = data.fixed_utterances
    monkeypatch.setattr(data, "fixed_utterances", lambda clips, *a, **k: chosen.extend(clips) or real(clips, *a, **k))
    audios, transcripts, sources = train.fsdd_strings(6, unseen_speaker="lucas")
    assert len(audios) == len(transcripts) == len(sources) == 6
    assert all(set(t.split()) <= set(text.DIGIT_WORDS) for t in transcripts)
    assert {c["speaker"] for c in chosen} == {"george", "jackson", "nicolas", "yweweler"}
    assert min(c["take"] for c in chosen) == 5 and max(c["take"] for c in chosen) == 44
    with pytest.raises(ValueError, match="'nobody'"):
        train.fsdd_strings(2, unseen_speaker="nobody")


@pytest.mark.parametrize(
    "argv",
    [["--fsdd-utterances", "10"], ["--data-dir", "x", "--fsdd-utterances", "-1"], ["--data-dir", "x", "--fsdd-unseen-speaker", "lucas"]],
)
def test_fsdd_mixing_needs_a_corpus_and_a_count_of_at_least_zero(argv, capsys):
    from rnnzoo.applications.speech_ctc import train

    with pytest.raises(SystemExit):
        train.parse_args(argv)
    assert "--fsdd-utterances" in capsys.readouterr().err
