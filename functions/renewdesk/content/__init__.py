"""The marketing team's content/ folder: schemas, loading and validation.

Used by the site build (site/hooks) and by anything else that reads content/ (SMS templates,
consent notice). Every problem found is reported with its file, field and reason, all at once.
"""

from renewdesk.content.loader import SiteContent, load
from renewdesk.content.problems import ContentInvalid, Problem

__all__ = ["ContentInvalid", "Problem", "SiteContent", "load"]
