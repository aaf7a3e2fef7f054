"""IMSNN: ISI-modulated synapses and their ISI-gradient learning rule (NOTES.md section 1)."""
