"""Building and publishing the customer site per stage: `renewdesk site build|publish`."""
