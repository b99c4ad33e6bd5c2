"""Where Django (and the other apps) find the directory's models; each is defined in its part of the directory."""

from directory.exchange.jobs import ImportJob
from directory.listings.models import Audience, Category, Closure, Organisation, Place, Service
from directory.partners.models import Invitation, Membership
from directory.reports.models import ErrorReport
from directory.search.models import DirectoryPage
from directory.tours.models import Stop, StopPattern, Tour

__all__ = [
    "Audience",
    "Category",
    "Closure",
    "DirectoryPage",
    "ErrorReport",
    "ImportJob",
    "Invitation",
    "Membership",
    "Organisation",
    "Place",
    "Service",
    "Stop",
    "StopPattern",
    "Tour",
]
