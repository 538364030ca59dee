"""What every application shares."""
