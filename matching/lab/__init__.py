"""Experiments for staff notebooks: tables for plots, knob sweeps, the simulated tuning loop."""
