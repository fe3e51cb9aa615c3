"""The market simulator: a seeded market model behind a loopback server speaking Yahoo Finance's protocols.

`Simulator` (tui.sim.server) serves; `SimMarket` (tui.sim.market) is the model; `tui.sim.faults` breaks
things on purpose. Everything it serves is simulated data and the app labels it DEMO.
"""
