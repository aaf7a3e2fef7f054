"""The TTFS family: time-to-first-spike networks trained through their surrogate DNN."""
