"""Image captioning: a CNN encoder and a recurrent decoder (Show and Tell; Show, Attend and Tell), with procedural shape scenes."""
