"""Character-level Shakespeare: a char-level language model built on rnnzoo's recurrent layers."""
