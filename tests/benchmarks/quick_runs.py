"""What the second-wave benchmarks' tests share: a quick run, then a rerun that must skip it."""

from benchmarks.second_wave.common import read_rows


def run_then_rerun(main, args, path, capsys):
    """Run `main(args)`, which writes one row to `path`; run it again and check
    that nothing ran (no output) and nothing was appended. Returns the row."""
    main(args)
    rows = read_rows(path)
    assert len(rows) == 1
    capsys.readouterr()
    main(args)  # done already: nothing runs, nothing is appended
    assert capsys.readouterr().out == ""
    assert len(read_rows(path)) == 1
    return rows[0]
