"""`docvl eval`: labelled datasets in the formats users bring (datasets), scoring as the public benchmarks
score (scoring), predictions from a live run (predict), and the figures, calibration and gate (metrics)."""
