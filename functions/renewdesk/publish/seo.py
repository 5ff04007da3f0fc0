"""What search engines, WeChat and map apps read: share cards, schema.org data, filings, maps,
robots.txt. Built from content/store.yml and the stage's public address."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from renewdesk.content import geo, hours
from renewdesk.publish import routes

IMAGES_DIR = "images"
ICP_URL = "https://beian.miit.gov.cn/"
POLICE_URL = "https://beian.mps.gov.cn/#/query/webSearch"
AMAP_MARKER = "https://uri.amap.com/marker"
BAIDU_MARKER = "https://api.map.baidu.com/marker"


class Seo:
    """Share metadata and store data for one build (absolute URLs when the stage has an origin)."""

    def __init__(self, content: Any, site_origin: str | None):
        self.content = content
        self.store = content.store
        self.origin = site_origin or ""

    def url(self, path: str) -> str:
        """A site path, absolute when the stage's public address is known."""
        return f"{self.origin}{path}"

    def image_url(self, name: str) -> str:
        """Where a content image (images/poster.jpg) is published."""
        return self.url("/" + name)

    def image_files(self) -> list[tuple[str, Any]]:
        """(destination, source) of every file in content/images."""
        folder = self.content.root / IMAGES_DIR
        if not folder.is_dir():
            return []
        return [(f"{IMAGES_DIR}/{p.name}", p) for p in sorted(folder.iterdir()) if p.is_file()]

    def share(self, route: str, title: str, description: str, image: str | None) -> dict:
        """Open Graph and WeChat/QQ share card of one page."""
        picture = image or self.store.share_image
        card = {
            "title": title,
            "description": description,
            "site_name": self.store.short_name,
            "url": self.url(route),
            "type": "article" if image else "website",
            "image": self.image_url(picture) if picture else "",
        }
        return card

    def wechat(self) -> dict:
        """The official account's name and QR code, if configured."""
        return {
            "name": self.store.wechat or "",
            "qr": "/" + self.store.wechat_qr if self.store.wechat_qr else "",
        }

    def filings(self) -> dict:
        """ICP filing (required to publish in mainland China) and public-security filing."""
        return {
            "icp": self.store.icp or "",
            "icp_url": ICP_URL,
            "police": self.store.police_filing or "",
            "police_url": POLICE_URL,
        }

    def map_links(self) -> dict | None:
        """ "Navigate to the store" in AMap and Baidu Maps, both given GCJ-02 coordinates.

        AMap takes `position=lng,lat` (longitude first); Baidu takes `location=lat,lng`
        (latitude first) and is told the coordinates are GCJ-02, not its own BD-09.
        """
        location = self.store.location
        if location is None:
            return None
        lat, lng = geo.to_gcj02(location.lat, location.lng, location.system)
        name, src = self.store.short_name, "renewdesk.site"
        amap = {
            "position": f"{lng:.6f},{lat:.6f}",
            "name": name,
            "src": src,
            "coordinate": "gaode",
            "callnative": "1",
        }
        baidu = {
            "location": f"{lat:.6f},{lng:.6f}",
            "title": name,
            "content": self.store.address,
            "output": "html",
            "coord_type": "gcj02",
            "src": src,
        }
        return {
            "amap": f"{AMAP_MARKER}?{urlencode(amap)}",
            "baidu": f"{BAIDU_MARKER}?{urlencode(baidu)}",
        }

    def structured_data(self) -> str:
        """schema.org AutoDealer JSON-LD (safe inside a script element)."""
        store = self.store
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "AutoDealer",
            "name": store.name,
            "alternateName": store.short_name,
            "description": store.tagline,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": store.address,
                "addressLocality": store.city,
                "addressCountry": "CN",
            },
            "telephone": store.hotlines["insurance"].number,
            "contactPoint": [
                {"@type": "ContactPoint", "contactType": h.label, "telephone": h.number}
                for h in store.hotlines.values()
            ],
            "openingHoursSpecification": [
                {
                    "@type": "OpeningHoursSpecification",
                    "name": row.what,
                    "dayOfWeek": [f"https://schema.org/{d}" for d in hours.parse_days(row.days)],
                    "opens": hours.parse_hours(row.hours)[0],
                    "closes": hours.parse_hours(row.hours)[1],
                }
                for row in store.opening_hours
            ],
        }
        if store.province:
            data["address"]["addressRegion"] = store.province
        if store.location is not None:
            lat, lng = geo.to_wgs84(store.location.lat, store.location.lng, store.location.system)
            data["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": round(lat, 6),
                "longitude": round(lng, 6),
            }
            data["hasMap"] = self.map_links()["amap"]  # type: ignore[index]
        if self.origin:
            data["url"] = self.url("/")
        if store.share_image:
            data["image"] = self.image_url(store.share_image)
        return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")

    def robots_txt(self) -> str:
        """robots.txt fit for Baidu and the others: result pages out, one plain sitemap."""
        lines = [
            "User-agent: *",
            f"Disallow: {routes.THANKS}",
            f"Disallow: {routes.FORM_ERROR}",
            "Disallow: /preview/",
        ]
        if self.origin:
            lines.append(f"Sitemap: {self.origin}/sitemap.xml")
        return "\n".join(lines) + "\n"
