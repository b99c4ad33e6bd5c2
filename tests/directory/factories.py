"""Directory factories. Reference data (communes, EPCI) comes from `territories` via the `gers` fixture."""

import factory

from directory.listings.vocabulary import OrganisationKind, ServiceKind
from directory.models import Category, Organisation, Place, Service
from territories.models import Commune


def commune(insee_code="32013"):
    return Commune.objects.get(insee_code=insee_code)


class OrganisationFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Association solidaire {n}")
    kind = OrganisationKind.ASSOCIATION
    phone = "05 62 00 00 00"
    email = factory.Sequence(lambda n: f"contact{n}@exemple.org")

    class Meta:
        model = Organisation


class PlaceFactory(factory.django.DjangoModelFactory):
    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Lieu {n}")
    address = "1 place de la Mairie"
    commune = factory.LazyFunction(commune)
    # Defaults to the commune's centroid; pass latitude/longitude to place it elsewhere.
    latitude = factory.LazyAttribute(lambda o: o.commune.latitude)
    longitude = factory.LazyAttribute(lambda o: o.commune.longitude)

    class Meta:
        model = Place


class ServiceFactory(factory.django.DjangoModelFactory):
    """A published service. `categories=["alimentation", …]` takes category slugs."""

    organisation = factory.SubFactory(OrganisationFactory)
    place = factory.SubFactory(PlaceFactory, organisation=factory.SelfAttribute("..organisation"))
    kind = ServiceKind.PERMANENCE
    title = factory.Sequence(lambda n: f"Service {n}")
    summary = "Un accueil pour vous aider."
    opening_hours = "Mo-Fr 09:00-12:00,14:00-17:00; PH off"
    live = True

    class Meta:
        model = Service
        skip_postgeneration_save = True

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        # ParentalManyToManyField: the relation is committed by save().
        self.categories.set(Category.objects.filter(slug__in=extracted))
        self.save()

    @factory.post_generation
    def audiences(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        from directory.models import Audience

        self.audiences.set(Audience.objects.filter(slug__in=extracted))
        self.save()
