"""Errors reported by the public on a service page: the form, the e-mails, the staff's admin."""
