"""Speech recognition with bidirectional recurrent layers and CTC, in the Deep Speech spirit."""
