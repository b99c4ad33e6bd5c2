"""Partners: their organisations' scope, membership and invitations, moderation, concurrent edits, freshness."""
