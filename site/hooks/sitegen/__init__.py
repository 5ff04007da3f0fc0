"""Site generation for mkdocs: generated pages, templates, fingerprinted assets, build info.

Loaded by site/hooks/renewdesk_site.py; the content itself is read and validated by
renewdesk.content.
"""
