"""Exact resume (random-generator state included), what a resumed run says,
damaged checkpoints, and what a run leaves behind."""

import os
import tempfile

import numpy as np
import pytest

import keras
from tests.reliability import checkpointing


class Interrupt(Exception):
    pass


class InterruptAfter(keras.callbacks.Callback):
    """Stands for a killed run: raises after `steps` steps of this run."""

    def __init__(self, steps):
        super().__init__()
        self.remaining = steps

    def on_train_batch_end(self, batch, logs=None):
        self.remaining -= 1
        if self.remaining == 0:
            raise Interrupt()


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    return checkpointing.run(tmp_path_factory.mktemp("straight")).get_weights()


def interrupted(folder, steps):
    with pytest.raises(Interrupt):
        checkpointing.run(folder, callbacks=[InterruptAfter(steps)])


def assert_same(weights, reference):
    for a, b in zip(weights, reference):
        np.testing.assert_array_equal(a, b)


def test_resume_with_dropout_equals_the_uninterrupted_run_bit_for_bit(tmp_path, uninterrupted, capsys):
    interrupted(tmp_path, 10)  # checkpoints at steps 3, 6 and 9
    capsys.readouterr()
    assert_same(checkpointing.run(tmp_path).get_weights(), uninterrupted)
    assert f"resumed from step 9 (checkpoint {tmp_path / 'ckpt-9'})" in capsys.readouterr().out


def test_the_char_model_with_dropout_resumes_bit_for_bit(tmp_path):
    straight = checkpointing.run(tmp_path / "straight", epochs=2, model="char").get_weights()
    with pytest.raises(Interrupt):
        checkpointing.run(tmp_path / "resumed", epochs=2, model="char", callbacks=[InterruptAfter(8)])
    assert_same(checkpointing.run(tmp_path / "resumed", epochs=2, model="char").get_weights(), straight)


def test_the_progress_bar_of_a_resumed_epoch_counts_from_the_resumed_step(tmp_path, capsys):
    with pytest.raises(Interrupt):
        checkpointing.run(tmp_path, epochs=1, callbacks=[InterruptAfter(5)])  # a checkpoint at step 3 of 6
    capsys.readouterr()
    checkpointing.run(tmp_path, epochs=1, verbose=1)
    bars = [part for part in capsys.readouterr().out.replace("\r", "\n").split("\n") if "/6" in part]
    assert bars and bars[0].lstrip("\x1b[1m ").startswith("4/6"), bars[:2]


def test_a_finished_run_says_there_is_nothing_to_train(tmp_path, uninterrupted, capsys):
    checkpointing.run(tmp_path)
    capsys.readouterr()
    again = checkpointing.run(tmp_path)
    out = capsys.readouterr().out
    assert "resumed from step 24" in out and "nothing to train" in out and "epochs=4" in out
    assert_same(again.get_weights(), uninterrupted)


def test_no_temp_folders_or_worker_scratch_are_left(tmp_path, monkeypatch):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    (tmp_path / "ckpt").mkdir()
    (tmp_path / "ckpt" / "ckpt-3_temp").mkdir()  # what a run killed mid-save leaves
    checkpointing.run(tmp_path / "ckpt", epochs=1)
    assert not [n for n in os.listdir(tmp_path / "ckpt") if n.endswith("_temp")]
    assert list(scratch.iterdir()) == []


def damage(folder, how, number=9):
    """Damage checkpoint ckpt-`number` (9: the newest of an interrupted run)
    as `how` says; the name of the checkpoint the warning must mention."""
    data = folder / f"ckpt-{number}.data-00000-of-00001"
    index = folder / f"ckpt-{number}.index"
    if how == "truncate data":
        data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])
    elif how == "empty data":
        data.write_bytes(b"")
    elif how == "flip data":
        raw = bytearray(data.read_bytes()) or bytearray(1)  # an emptied file gets one byte
        raw[len(raw) // 2] ^= 0x10
        data.write_bytes(bytes(raw))
    elif how == "flip index":
        raw = bytearray(index.read_bytes()) or bytearray(1)
        raw[len(raw) // 3] ^= 0x01
        index.write_bytes(bytes(raw))
    elif how == "empty index":
        index.write_bytes(b"")
    elif how == "delete index":
        index.unlink()
    elif how == "garbage state file":
        (folder / "checkpoint").write_text("\x00 this is not a checkpoint state {{{")
        return None  # every checkpoint is intact: the newest is used
    return f"ckpt-{number}"


@pytest.mark.parametrize("how", ["truncate data", "empty data", "flip data", "flip index", "empty index",
                                 "delete index", "garbage state file"])
def test_damaged_newest_checkpoint_falls_back_and_still_ends_exactly(tmp_path, uninterrupted, capsys, how):
    interrupted(tmp_path, 10)
    named = damage(tmp_path, how)
    capsys.readouterr()
    resumed = checkpointing.run(tmp_path)
    out, err = capsys.readouterr()
    if named:
        assert f"checkpoint {tmp_path / named} is damaged" in err and len(err.strip().splitlines()) == 1
        assert "resumed from step 6" in out
    else:
        assert "resumed from step 9" in out
    assert_same(resumed.get_weights(), uninterrupted)


def test_no_usable_checkpoint_is_refused_never_a_silent_restart(tmp_path):
    interrupted(tmp_path, 10)
    for path in tmp_path.glob("ckpt-*.index"):
        path.write_bytes(b"")
    with pytest.raises(ValueError, match="No usable checkpoint in .*start again from step 0"):
        checkpointing.run(tmp_path)


def test_a_state_file_naming_nothing_is_refused(tmp_path):
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: "ckpt-40"\n')
    with pytest.raises(ValueError, match="names no checkpoint files"):
        checkpointing.run(tmp_path)
