"""Roster import jobs in DynamoDB: the job item, its rejected rows and warnings in parts.

A job's item and its parts share a partition (``IMPORT#<id>``), so one Query reads all of them;
the job is also in the collection index (``IMPORTS``) by creation time, for the latest uploads.
Every write of a running job is conditional on its runner and its position: two runners (a
Lambda retry beside a continuation) can never count one chunk twice. Everything expires with
``expires_at``; services.roster_jobs checks it on every read (DynamoDB deletes lazily).
"""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any

from renewdesk.services.roster import Rejection
from renewdesk.services.roster_jobs import ImportJob, Problems, RejectedRow
from renewdesk.services.roster_report import SheetReading, as_written
from renewdesk.store import keys
from renewdesk.store.dynamo import ConditionFailed, StoreTable, from_item, pause_if, to_item

# A part stays well under DynamoDB's 400 KB item limit.
PART_BYTES = 200_000
MAX_STORED_WARNINGS = 5000
JOB_FIELDS = frozenset(f.name for f in dataclasses.fields(ImportJob)) - {"reading"}


class ImportStore(StoreTable):
    """Roster import jobs of one store."""

    def add_job(self, job: ImportJob, problems: Problems) -> None:
        """Store a new job with its problems (the parts first: a job is never without them)."""
        parts = [
            *self._parts(job, "REJECTS", [_rejected_value(r) for r in problems.rejected]),
            *self._parts(
                job,
                "WARNINGS",
                [_problem_value(w) for w in problems.warnings[:MAX_STORED_WARNINGS]],
            ),
        ]
        if parts:
            parts[0]["header"] = list(problems.header)
        self._batch_put(parts)
        self.transact(
            [self.put("job", self._job_item(job), condition="attribute_not_exists(pk)")],
            "add_import",
        )

    def get_job(self, import_id: str) -> ImportJob | None:
        """A job, or None (its expiry is the service's to check: TTL deletes lazily)."""
        item = self._get(keys.roster_import(self.store_id, import_id), "get_import")
        return _job_from(item) if item is not None else None

    def recent_jobs(self, limit: int) -> list[ImportJob]:
        """The latest jobs, newest first (one Query of the collection index)."""
        page = self._call(
            "recent_imports",
            self.client.query,
            TableName=self.table,
            IndexName="collection",
            KeyConditionExpression="coll_pk = :p",
            ExpressionAttributeValues=to_item({":p": keys.roster_imports(self.store_id)}),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [_job_from(from_item(i)) for i in page.get("Items", [])]

    def change_job(self, import_id: str, sets: dict[str, Any], when: dict[str, Any]) -> bool:
        """Set fields if the job's fields still have the values in ``when`` (None: absent)."""
        conditions, values, names = ["attribute_exists(pk)"], {}, {}
        for number, (name, value) in enumerate(when.items()):
            names[f"#w{number}"] = name
            if value is None:
                conditions.append(f"attribute_not_exists(#w{number})")
            else:
                conditions.append(f"#w{number} = :w{number}")
                values[f":w{number}"] = value
        write = self.update(
            "job",
            keys.roster_import(self.store_id, import_id),
            sets,
            condition=" AND ".join(conditions),
            values=values,
            names=names,
        )
        try:
            self.transact([write], "change_import")
        except ConditionFailed:
            return False
        return True

    def advance_job(
        self, import_id: str, runner: str, done: int, now_done: int, sets: dict[str, Any]
    ) -> bool:
        """Move the job's position from ``done`` to ``now_done`` records, adding the chunk's
        counts; False if another runner has the job or the position moved on."""
        counts = {k: v for k, v in sets.items() if isinstance(v, int) and k != "rows_done"}
        plain = {k: v for k, v in sets.items() if k not in counts}
        write = self.update(
            "job",
            keys.roster_import(self.store_id, import_id),
            {**plain, "records_done": now_done},
            adds=counts,
            condition="runner = :runner AND records_done = :done",
            values={":runner": runner, ":done": done},
        )
        try:
            self.transact([write], "advance_import")
        except ConditionFailed:
            return False
        return True

    def problems(self, import_id: str) -> Problems:
        """A job's rejected rows and warnings, from its parts (one Query)."""
        kwargs = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": to_item(
                {":p": keys.roster_import(self.store_id, import_id)["pk"]}
            ),
            "ConsistentRead": True,
        }
        header: tuple[str, ...] = ()
        rejected: list[RejectedRow] = []
        warnings: list[Rejection] = []
        for item in self._query_all(kwargs, "import_problems"):
            if item["sk"] == "IMPORT":
                continue
            if "header" in item:
                header = tuple(item["header"])
            if item["sk"].startswith("REJECTS#"):
                rejected += [_rejected_from(v) for v in item["rejects"]]
            else:
                warnings += [_problem_from(v) for v in item["warnings"]]
        return Problems(header, tuple(rejected), tuple(warnings))

    # -- plumbing -------------------------------------------------------------------------

    def _job_item(self, job: ImportJob) -> dict[str, Any]:
        values = {k: v for k, v in dataclasses.asdict(job).items() if k != "reading"}
        values["reading"] = json.dumps(dataclasses.asdict(job.reading), ensure_ascii=False)
        return {
            **keys.roster_import(self.store_id, job.import_id),
            **{k: v for k, v in values.items() if v is not None},
            "coll_pk": keys.roster_imports(self.store_id),
            "coll_sk": f"{job.created_at}#{job.import_id}",
        }

    def _parts(
        self, job: ImportJob, kind: str, values: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Values in parts of at most PART_BYTES (measured as JSON)."""
        parts: list[dict[str, Any]] = []
        current: list[dict[str, Any]] = []
        size = 0
        for value in values:
            length = len(json.dumps(value, ensure_ascii=False, default=str).encode())
            if current and size + length > PART_BYTES:
                parts.append(self._part(job, kind, len(parts), current))
                current, size = [], 0
            current.append(value)
            size += length
        if current:
            parts.append(self._part(job, kind, len(parts), current))
        return parts

    def _part(
        self, job: ImportJob, kind: str, number: int, values: list[dict[str, Any]]
    ) -> dict[str, Any]:
        return {
            **keys.roster_import_part(self.store_id, job.import_id, kind, number),
            kind.lower(): values,
            keys.TTL_ATTRIBUTE: job.expires_at,
        }

    def _batch_put(self, items: list[dict[str, Any]]) -> None:
        for start in range(0, len(items), 25):
            pending = {
                self.table: [
                    {"PutRequest": {"Item": to_item(i)}} for i in items[start : start + 25]
                ]
            }
            attempt = 0
            while pending:
                answer = self._call(
                    "batch_write", self.client.batch_write_item, RequestItems=pending
                )
                pending = answer.get("UnprocessedItems") or {}
                attempt = pause_if(pending, attempt)


def _job_from(item: dict[str, Any]) -> ImportJob:
    values = {k: v for k, v in item.items() if k in JOB_FIELDS}
    return ImportJob(**values, reading=_reading_from(json.loads(item["reading"])))


def _reading_from(data: dict[str, Any]) -> SheetReading:
    def rows(name: str) -> tuple[Any, ...]:
        return tuple(tuple(x) if isinstance(x, list) else x for x in data.get(name) or ())

    return SheetReading(
        header_rows=tuple(data.get("header_rows") or ()),
        sheet=data.get("sheet"),
        sheets=tuple(data.get("sheets") or ()),
        mapping=rows("mapping"),
        duplicates=rows("duplicates"),
        ignored=tuple(data.get("ignored") or ()),
        missing_optional=tuple(data.get("missing_optional") or ()),
        skipped=rows("skipped"),
    )


def _cell(value: Any) -> Any:
    """A cell as DynamoDB stores it (no floats: Decimal), as Excel would show it again."""
    value = as_written(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if value is None or isinstance(value, (str, int, bool, Decimal)):
        return value
    return str(value)


def _problem_value(problem: Rejection) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(problem).items() if v is not None}


def _problem_from(value: dict[str, Any]) -> Rejection:
    return Rejection(**value)


def _rejected_value(row: RejectedRow) -> dict[str, Any]:
    return {
        "row": row.row,
        "cells": [_cell(c) for c in row.cells],
        "problems": [_problem_value(p) for p in row.problems],
    }


def _rejected_from(value: dict[str, Any]) -> RejectedRow:
    return RejectedRow(
        value["row"], tuple(value["cells"]), tuple(_problem_from(p) for p in value["problems"])
    )
