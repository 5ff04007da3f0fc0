"""Short personal links: <site>/r/<code>, at most 12 characters, opaque and signed, expiring as
the token does, the same for a policy all day; the renewal page resolves them and the links
sent before keep working."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from renewdesk.errors import LinkRejected
from renewdesk.services.short_links import CODE_RE, ShortLink, ShortLinks
from tests.pages import PROJECT
from tests.roster.conftest import TODAY, row

SECRET = b"k" * 64


class Links:
    """A store of short links in memory, counting its reads."""

    def __init__(self):
        self.links: dict[str, ShortLink] = {}
        self.reads = 0

    def put_links(self, links):
        taken = {
            link.key
            for link in links
            if link.key in self.links and self.links[link.key].roster_id != link.roster_id
        }
        self.links.update({link.key: link for link in links if link.key not in taken})
        return taken

    def get_link(self, key):
        self.reads += 1
        return self.links.get(key)


CHINA = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    """That hour of the day in the store."""
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=CHINA)


def shortener(moment: dt.datetime, store: Links | None = None) -> ShortLinks:
    return ShortLinks(SECRET, "default", 45, store or Links(), now=lambda: moment)


def test_a_code_is_12_opaque_characters_the_same_for_a_policy_all_day():
    links = shortener(at(TODAY))
    code = links.code("rosterIdOfPolicy", TODAY)
    assert CODE_RE.fullmatch(code) and len(code) == 12
    assert links.code("rosterIdOfPolicy", TODAY) == code
    assert links.code("rosterIdOfPolicy", TODAY + dt.timedelta(days=1)) != code
    assert links.code("rosterIdOfOther1", TODAY) != code
    other_store = ShortLinks(SECRET, "store2", 45, Links())
    assert other_store.code("rosterIdOfPolicy", TODAY) != code


def test_a_code_reads_back_to_its_policy_until_it_expires_like_a_token():
    store = Links()
    issued = shortener(at(TODAY), store).issue(["rosterIdOfPolicy"], TODAY)
    code = issued["rosterIdOfPolicy"]
    roster_id, stamp = shortener(at(TODAY + dt.timedelta(days=44), 23), store).read(code)
    assert roster_id == "rosterIdOfPolicy"
    assert stamp == at(TODAY, 0).timestamp()  # the start of its day: the token expires then
    with pytest.raises(LinkRejected) as expired:
        shortener(at(TODAY + dt.timedelta(days=45), 1), store).read(code)
    assert expired.value.code == "expired_token"


def test_a_forged_or_altered_code_is_invalid_and_costs_no_read():
    store = Links()
    code = shortener(at(TODAY), store).issue(["rosterIdOfPolicy"], TODAY)["rosterIdOfPolicy"]
    reader = shortener(at(TODAY), store)
    for position in range(12):
        altered = code[:position] + ("A" if code[position] != "A" else "B") + code[position + 1 :]
        with pytest.raises(LinkRejected) as rejected:
            reader.read(altered)
        assert rejected.value.code in ("invalid_token", "expired_token")
    for bad in ("", "short", code + "x", "!" * 12, None, 12):
        with pytest.raises(LinkRejected) as rejected:
            reader.read(bad)
        assert rejected.value.code == "invalid_token"
    assert store.reads <= 2  # only a change that kept the signature valid could reach storage


def test_a_code_taken_by_another_policy_is_not_handed_out():
    store = Links()
    links = shortener(at(TODAY), store)
    code = links.code("rosterIdOfPolicy", TODAY)
    store.links[code[:9]] = ShortLink(code[:9], "someoneElsesId12", TODAY.isoformat(), 0)
    assert links.issue(["rosterIdOfPolicy"], TODAY) == {}


def sms_file(settings, on=TODAY) -> list[dict]:
    path = Path(settings.sms_outbox_dir) / f"{on.isoformat()}.csv"
    with path.open(encoding="utf-8-sig", newline="") as rows:
        return list(csv.DictReader(rows))


def test_reminders_carry_the_short_link_and_a_second_run_writes_the_same_links(
    import_rows, backend, settings, fake_clock
):
    import_rows(
        [row("粤B32001", 60, phone="13800132001"), row("粤B32002", 59, phone="13800132002")]
    )
    backend.roster.reminders.run()
    first = sms_file(settings)
    links = [re.search(r"https?://\S+?/r/[0-9A-Za-z]{12}", m["message"]).group(0) for m in first]
    assert all(link.startswith(f"{settings.site_origin}/r/") for link in links)
    assert all(len(link) == len(settings.site_origin) + 3 + 12 for link in links)
    fake_clock.advance(hours=5)
    backend.roster.reminders.run()
    assert sms_file(settings) == first


def test_the_renewal_page_resolves_a_code_and_confirms_with_the_token_it_gets(
    import_rows, backend, client, settings, stored
):
    import_rows([row("粤B32003", 60, phone="13800132003", name="欧阳娜娜")])
    [message] = backend.roster.reminders.run().messages
    code = message.text.split("/r/")[1][:12]
    preview = client.get(f"/api/renewals/link?c={code}")
    assert preview.status_code == 200
    body = preview.get_json()
    assert (body["name"], body["plate"]) == ("欧***", "粤B***03")
    before = stored()
    assert client.get(f"/api/renewals/link?c={code}").status_code == 200
    assert stored() == before  # a preview writes nothing (SMS apps open links)
    tapped = client.post("/api/renewals", json={"token": body["token"], "consent": True})
    assert tapped.status_code == 201
    assert client.get(f"/api/renewals/link?c={code[:-1]}x").status_code == 400
    assert client.get("/api/renewals/link?c=AAAAAAAAAAAA").status_code == 400


def test_a_code_whose_policy_was_sold_no_longer_works(import_rows, backend, client):
    import_rows([row("粤B32004", 60, phone="13800132004")])
    [message] = backend.roster.reminders.run().messages
    code = message.text.split("/r/")[1][:12]
    import_rows([row("粤B32004", 60, phone="13900132004", name="王芳")])
    answer = client.get(f"/api/renewals/link?c={code}")
    assert answer.status_code == 410 and answer.get_json()["error"] == "expired_token"


def test_the_local_server_answers_a_short_link_with_the_renewal_page_and_no_referrer(
    settings, built_site
):
    from renewdesk.app import create_app

    site = create_app(settings.with_(site_dir=built_site, local=True)).test_client()
    page = site.get("/r/Ab3dE5gH7jK9")
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    assert page.data == site.get("/renew/").data
    assert site.get("/r/tooShort").status_code == 404


def test_the_cloudfront_function_answers_short_links_with_the_renewal_page(tmp_path):
    node = shutil.which("node")
    assert node, "node is needed for the CloudFront function's test"
    function = PROJECT / "site" / "cloudfront" / "short-link-function.js"
    script = tmp_path / "run.js"
    script.write_text(
        function.read_text(encoding="utf-8")
        + "\nconst uris = JSON.parse(process.argv[2]);\n"
        + "console.log(JSON.stringify(uris.map(u => handler({request: {uri: u}}).uri)));\n",
        encoding="utf-8",
    )
    uris = ["/r/Ab3dE5gH7jK9", "/r/Ab3dE5gH7jK", "/r/Ab3dE5gH7jK9/x", "/offers/"]
    result = subprocess.run(
        [node, str(script), json.dumps(uris)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["/renew/index.html", *uris[1:]]
