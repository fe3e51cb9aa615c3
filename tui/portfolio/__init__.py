"""A user's own book: lots, closes, cash and dividends in TOML files, valued against the store in one currency.

Pure functions over the book and `tui.core.store.MarketStore`; nothing here imports Textual, and pandas only
inside the CSV import. One idea a module:

    model.py      the book as the file says it (Lot, Close, Cash, Dividend, Book) and the currencies
    money.py      exact decimal arithmetic: conversions from floats, reciprocals of FX rates, rounding
    actions.py    corporate actions (splits, bonus issues) from tui/data/corporate_actions.toml
    loader.py     load and check portfolio files (`path:line: problem`), the demo book, `aiwatch check`
    ledger.py     closes matched to lots (by lot id, else first in, first out), in today's share units
    rates.py      FX: live rates, the daily closes of the chart history, a trade date's rate
    listings.py   a symbol's name, company and side (watchlists; ADRs through tui/data/adr.toml)
    valuation.py  positions: cost, value, unrealized P&L split into price and FX, realized, day P&L, NAV
    exposure.py   by side, currency and company (ADRs folded), HHI, beta-dollars to NVDA
    pairs.py      pair trades: legs, spread P&L, gross / net, hedge-ratio drift
    document.py   the snapshot's `portfolio` object and its table / CSV renderings
    importer.py   `aiwatch portfolio import`: a broker's CSV export turned into a portfolio file
    live.py       books against a live store: what to quote and fetch, `Books` (the app's), the snapshot object
"""
