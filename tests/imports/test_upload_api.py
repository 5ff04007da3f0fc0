"""Roster uploads through the staff API (supervisor): 202 with an import id, the state with its
counts, the rejects as CSV; a preview before anything is written; 10 MiB for this route only;
the job resumable after a timeout; a second upload of the same file changes nothing."""

from __future__ import annotations

import csv
import io
import time

import pytest

from renewdesk.services.roster_jobs import ImportJobs
from tests.imports import dms
from tests.staff.conftest import post

API = "/api/staff/roster/imports"


def upload(client, data: bytes, name: str, query: str = "", **fields):
    return client.post(
        API + query,
        data={"file": (io.BytesIO(data), name), **fields},
        content_type="multipart/form-data",
        headers={"X-CSRF-Token": client.csrf},
    )


def finished(client, import_id: str, seconds: float = 30) -> dict:
    """Poll the state until the job has finished."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = client.get(f"{API}/{import_id}").get_json()
        if state["state"] in ("done", "failed"):
            return state
        time.sleep(0.05)
    raise AssertionError(f"import still {state['state']}")


@pytest.fixture
def export(tmp_path) -> bytes:
    return dms.xlsx(tmp_path / "花名册.xlsx").read_bytes()


def test_an_upload_is_imported_in_the_background_and_reports_its_counts(supervisor, export, stored):
    answer = upload(supervisor, export, "花名册.xlsx")
    assert answer.status_code == 202, answer.get_data(as_text=True)
    assert list(answer.get_json()) == ["import_id"]
    import_id = answer.get_json()["import_id"]
    assert answer.headers["Location"].endswith(f"{API}/{import_id}")
    state = finished(supervisor, import_id)
    assert {k: state[k] for k in ("state", "rows_total", "rows_done")} == {
        "state": "done",
        "rows_total": dms.ROWS,
        "rows_done": dms.ROWS,
    }
    assert (state["added"], state["updated"], state["unchanged"]) == (5, 0, 0)
    assert (state["rejected"], state["warnings"]) == (1, 1)
    assert state["header_rows"] == [4, 5] and state["sheet"] == "花名册"
    assert {c["field"]: c["column"] for c in state["columns"]}["phone"] == "手机"
    assert state["notices"][0] == "表头在第 4–5 行（工作表“花名册”）"
    assert len(stored()["policy"]) == 5


def test_the_rejects_download_is_the_files_own_rows_with_chinese_reasons(supervisor, export):
    import_id = upload(supervisor, export, "花名册.xlsx").get_json()["import_id"]
    state = finished(supervisor, import_id)
    answer = supervisor.get(state["rejects_url"])
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "filename*=UTF-8''" in answer.headers["Content-Disposition"]
    text = answer.data.decode("utf-8-sig")
    [header, row] = list(csv.reader(io.StringIO(text)))
    assert header[:3] == ["序号", "车牌号", "车主"] and header[-2:] == ["拒绝原因", "原文件行号"]
    assert row[1] == "粤B10005" and row[-2] == "“手机”列：不是11位中国大陆手机号"


def test_a_second_upload_of_the_same_file_changes_nothing(supervisor, export, stored):
    first = upload(supervisor, export, "花名册.xlsx").get_json()["import_id"]
    finished(supervisor, first)
    policies = stored()["policy"]
    second = finished(supervisor, upload(supervisor, export, "花名册.xlsx").get_json()["import_id"])
    assert (second["added"], second["updated"], second["unchanged"]) == (0, 0, 5)
    assert stored()["policy"] == policies


def test_a_preview_shows_the_header_and_mapping_and_writes_nothing_until_confirmed(
    supervisor, export, stored
):
    answer = upload(supervisor, export, "花名册.xlsx", "?preview=1")
    assert answer.status_code == 200
    draft = answer.get_json()
    assert draft["state"] == "draft" and draft["records_total"] == 5
    assert draft["header_rows"] == [4, 5]
    assert draft["problems"][0].startswith(f"第 {dms.BAD_VIN_ROW} 行“车架号”列")
    assert "policy" not in stored()
    started = post(supervisor, f"{API}/{draft['import_id']}/start")
    assert started.status_code == 202
    assert finished(supervisor, draft["import_id"])["added"] == 5
    again = post(supervisor, f"{API}/{draft['import_id']}/start")
    assert again.status_code == 409


@pytest.mark.parametrize(
    "data, name, code, says",
    [
        (b"%PDF-1.4", "roster.pdf", "unsupported_file", "只支持 .csv 和 .xlsx"),
        ("车牌号,车主姓名,到期日\n".encode(), "roster.csv", "missing_columns", "手机号"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "roster.xls", "unsupported_file", ".xls"),
        (b"", "roster.csv", "empty_file", "文件是空的"),
    ],
)
def test_a_file_that_is_no_roster_is_refused_before_anything_is_kept(
    supervisor, stored, data, name, code, says
):
    answer = upload(supervisor, data, name)
    assert answer.status_code == 400
    problem = answer.get_json()["fields"]["file"]
    assert problem["code"] == code and says in problem["message"]
    assert "import" not in stored()


def test_uploads_are_for_supervisors_with_the_sessions_csrf_token(app, specialist, export):
    assert upload(specialist, export, "花名册.xlsx").status_code == 403
    anonymous = app.test_client()
    anonymous.csrf = ""
    assert upload(anonymous, export, "花名册.xlsx").status_code == 401


def test_without_the_csrf_token_an_upload_is_refused(supervisor, export):
    supervisor.csrf = "forged"
    assert upload(supervisor, export, "花名册.xlsx").status_code == 403


def test_this_route_takes_10_mib_and_every_other_body_stays_at_16_kib(supervisor):
    big = b"a" * (10 * 1024 * 1024 + 100 * 1024)
    assert upload(supervisor, big, "big.csv").status_code == 413
    nine = ("车牌号,车主,手机号,到期日\n" + "x" * (9 * 1024 * 1024)).encode()
    assert upload(supervisor, nine, "nine.csv").status_code == 400  # read: no rows, not 413
    json_body = {"type": "renewal", "padding": "x" * (17 * 1024)}
    assert post(supervisor, "/api/staff/leads/claim", json_body).status_code == 413
    form = supervisor.post(
        API, data="a=" + "x" * (17 * 1024), content_type="application/x-www-form-urlencoded"
    )
    assert form.status_code == 413


def test_a_job_stopped_short_of_time_goes_on_where_it_stopped_and_counts_exactly(
    backend, stored, tmp_path
):
    from renewdesk.roster_sample import sample_rows, write_roster
    from renewdesk.services.staff import Actor
    from tests.roster.conftest import TODAY

    launched: list[str] = []
    jobs = backend.roster.jobs
    stepped = ImportJobs(
        jobs.store,
        jobs.depot,
        jobs.importer,
        launched.append,
        store_id=jobs.store_id,
        now=jobs.now,
        new_id=jobs.new_id,
        chunk=10,
    )
    data = write_roster(tmp_path / "r.csv", sample_rows(35, TODAY)).read_bytes()
    boss = Actor("wang.boss", "supervisor")
    job = stepped.submit(boss, data, "r.csv")
    assert launched == [job.import_id]
    budget = iter([30.0, 30.0, 1.0])  # time for two chunks, then Lambda is nearly out of it
    assert stepped.run(job.import_id, lambda: next(budget)) == "queued"
    halfway = stepped.job(boss, job.import_id)
    assert (halfway.state, halfway.records_done, halfway.added) == ("queued", 20, 20)
    assert launched == [job.import_id, job.import_id]  # the runner that goes on was started
    # The next runner finds the chunk after the last one saved.
    assert stepped.run(job.import_id) == "done"
    done = stepped.job(boss, job.import_id)
    assert (done.added, done.unchanged, done.rows_done) == (35, 0, 35)
    assert len(stored()["policy"]) == 35


def test_a_chunk_written_before_a_crash_still_counts_as_added_when_resumed(backend, tmp_path):
    from renewdesk.roster_sample import sample_rows, write_roster
    from renewdesk.services.roster import ImportSummary, check_rows
    from renewdesk.services.roster_files import read_roster
    from renewdesk.services.staff import Actor
    from tests.roster.conftest import TODAY

    boss = Actor("wang.boss", "supervisor")
    jobs = backend.roster.jobs
    path = write_roster(tmp_path / "r.csv", sample_rows(12, TODAY))
    job = jobs.draft(boss, path.read_bytes(), "r.csv")
    # A runner wrote these records for the job, then died before saving its position.
    records = check_rows(read_roster(path), TODAY).records[:5]
    jobs.importer.import_records(records, ImportSummary(), job=job.import_id)
    jobs.store.change_job(job.import_id, {"state": "queued"}, {"state": "draft"})
    assert jobs.run(job.import_id) == "done"
    done = jobs.job(boss, job.import_id)
    assert (done.added, done.unchanged) == (12, 0)


def test_a_job_whose_runner_died_is_started_again_when_looked_at(backend, fake_clock, tmp_path):
    from renewdesk.roster_sample import sample_rows, write_roster
    from renewdesk.services.staff import Actor
    from tests.roster.conftest import TODAY

    launched: list[str] = []
    jobs = backend.roster.jobs
    watched = ImportJobs(
        jobs.store, jobs.depot, jobs.importer, launched.append, jobs.store_id, jobs.now
    )
    boss = Actor("wang.boss", "supervisor")
    data = write_roster(tmp_path / "r.csv", sample_rows(3, TODAY)).read_bytes()
    job = watched.submit(boss, data, "r.csv")
    watched.job(boss, job.import_id)
    assert launched == [job.import_id]  # alive: not started twice
    fake_clock.advance(minutes=5)
    watched.job(boss, job.import_id)
    watched.job(boss, job.import_id)
    assert launched == [job.import_id] * 2  # stale: started again, once
    assert watched.run(job.import_id) == "done"
