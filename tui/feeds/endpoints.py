"""Where the clients send their requests: Yahoo's real hosts, Tencent's and Sina's quote pages, or base URLs that
replace them keeping the paths (the simulator, a relay)."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from urllib.parse import quote as _url_quote
from urllib.parse import urlsplit

YAHOO_COOKIE_URL = "https://fc.yahoo.com"
YAHOO_CRUMB_URL = "https://query1.finance.yahoo.com/v1/test/getcrumb"
YAHOO_QUOTE_URL = "https://query2.finance.yahoo.com/v7/finance/quote"
YAHOO_SUMMARY_URL = "https://query2.finance.yahoo.com/v10/finance/quoteSummary/{symbol}"
YAHOO_CHART_URL = "https://query2.finance.yahoo.com/v8/finance/chart/{symbol}"
YAHOO_TIMESERIES_URL = "https://query2.finance.yahoo.com/ws/fundamentals-timeseries/v1/finance/timeseries/{symbol}"
YAHOO_STREAM_URL = "wss://streamer.finance.yahoo.com/?version=2"

ENV_YAHOO_URL = "AIWATCH_YAHOO_URL"
ENV_STREAM_URL = "AIWATCH_STREAM_URL"

TENCENT_URL = "https://qt.gtimg.cn"  # GET {base}/q=KEY,KEY,...
SINA_URL = "https://hq.sinajs.cn"  # GET {base}/list=KEY,KEY,... with Sina's Referer
ENV_TENCENT_URL = "AIWATCH_TENCENT_URL"
ENV_SINA_URL = "AIWATCH_SINA_URL"


def _path_symbol(symbol: str) -> str:
    """A symbol as a URL path segment: ^GSPC → %5EGSPC; keeps '.', '=' and '-' as Yahoo's own site does."""
    return _url_quote(symbol, safe=".=-")


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Endpoints:
    cookie_url: str = YAHOO_COOKIE_URL
    crumb_url: str = YAHOO_CRUMB_URL
    quote_url: str = YAHOO_QUOTE_URL
    summary_url: str = YAHOO_SUMMARY_URL  # holds "{symbol}"
    chart_url: str = YAHOO_CHART_URL  # holds "{symbol}"
    stream_url: str = YAHOO_STREAM_URL
    timeseries_url: str = YAHOO_TIMESERIES_URL  # holds "{symbol}": statements (capex, cash flow, debt)

    @classmethod
    def from_env(cls, yahoo_url: str | None = None, stream_url: str | None = None) -> Endpoints:
        """Yahoo's hosts, unless `yahoo_url` / $AIWATCH_YAHOO_URL replaces every REST host (paths kept)
        and `stream_url` / $AIWATCH_STREAM_URL the streamer. Explicit arguments win over the environment."""
        base = yahoo_url or os.environ.get(ENV_YAHOO_URL) or None
        stream = stream_url or os.environ.get(ENV_STREAM_URL) or YAHOO_STREAM_URL
        if not base:
            return cls(stream_url=stream)
        return cls.with_base(base, stream)

    @classmethod
    def with_base(cls, base: str, stream_url: str = YAHOO_STREAM_URL) -> Endpoints:
        base = base.rstrip("/")
        return cls(
            cookie_url=base + "/",
            crumb_url=base + "/v1/test/getcrumb",
            quote_url=base + "/v7/finance/quote",
            summary_url=base + "/v10/finance/quoteSummary/{symbol}",
            chart_url=base + "/v8/finance/chart/{symbol}",
            stream_url=stream_url,
            timeseries_url=base + "/ws/fundamentals-timeseries/v1/finance/timeseries/{symbol}",
        )

    def summary(self, symbol: str) -> str:
        return self.summary_url.format(symbol=_path_symbol(symbol))

    def chart(self, symbol: str) -> str:
        return self.chart_url.format(symbol=_path_symbol(symbol))

    def timeseries(self, symbol: str) -> str:
        return self.timeseries_url.format(symbol=_path_symbol(symbol))

    @property
    def is_local(self) -> bool:
        """True when every REST URL points at this machine (the simulator): no real rate limits to respect."""
        return all(
            _is_loopback(u)
            for u in (self.cookie_url, self.crumb_url, self.quote_url, self.summary_url, self.timeseries_url)
        )


@dataclass(frozen=True, slots=True)
class ChinaEndpoints:
    """Base URLs of the two quote pages for Hong Kong, Shanghai and Shenzhen (paths kept: `/q=…`, `/list=…`)."""

    tencent: str = TENCENT_URL
    sina: str = SINA_URL

    @classmethod
    def from_env(cls, tencent_url: str | None = None, sina_url: str | None = None) -> ChinaEndpoints:
        """The real hosts, unless `tencent_url` / $AIWATCH_TENCENT_URL or `sina_url` / $AIWATCH_SINA_URL replaces
        one. Explicit arguments win over the environment."""
        return cls(
            tencent=(tencent_url or os.environ.get(ENV_TENCENT_URL) or TENCENT_URL).rstrip("/"),
            sina=(sina_url or os.environ.get(ENV_SINA_URL) or SINA_URL).rstrip("/"),
        )

    @classmethod
    def with_base(cls, base: str) -> ChinaEndpoints:
        """Both on one server (the simulator serves both protocols on its port)."""
        return cls(tencent=base.rstrip("/"), sina=base.rstrip("/"))

    def base(self, source: str) -> str:
        return self.tencent if source == "tencent" else self.sina

    def is_local(self, source: str) -> bool:
        return _is_loopback(self.base(source))

    def redirected(self, source: str) -> bool:
        """Whether `source`'s base URL is not its real host."""
        return self.base(source) != (TENCENT_URL if source == "tencent" else SINA_URL)
