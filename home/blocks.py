"""StreamField blocks for editorial pages."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

from .figures import SOURCE_CHOICES, computed

RICH_TEXT_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul", "h3", "h4"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Titre"), max_length=200)
    level = blocks.ChoiceBlock(
        label=_("Niveau"),
        choices=[("h2", _("Titre de section (niveau 2)")), ("h3", _("Sous-titre (niveau 3)"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        label = _("Titre")
        template = "home/blocks/heading.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt_text = blocks.CharBlock(
        label=_("Texte alternatif"),
        required=False,
        max_length=250,
        help_text=_(
            "Décrit l'image pour les personnes qui ne la voient pas. Laisser vide si l'image est décorative."
        ),
    )
    caption = blocks.CharBlock(label=_("Légende"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "home/blocks/image.html"


class CallToActionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Titre"), max_length=120)
    text = blocks.TextBlock(label=_("Texte"), required=False)
    link_label = blocks.CharBlock(label=_("Libellé du bouton"), max_length=80)
    page = blocks.PageChooserBlock(label=_("Page du site"), required=False)
    url = blocks.URLBlock(label=_("Ou adresse web"), required=False)

    def clean(self, value):
        from django.core.exceptions import ValidationError
        from wagtail.blocks import StructBlockValidationError

        value = super().clean(value)
        if not value.get("page") and not value.get("url"):
            raise StructBlockValidationError(
                block_errors={"page": ValidationError(_("Choisissez une page ou indiquez une adresse web."))}
            )
        return value

    class Meta:
        icon = "pick"
        label = _("Appel à l'action")
        template = "home/blocks/call_to_action.html"


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(label=_("Citation"))
    attribution = blocks.CharBlock(label=_("Auteur ou source"), required=False, max_length=200)

    class Meta:
        icon = "openquote"
        label = _("Citation")
        template = "home/blocks/quote.html"


class DocumentLinkBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    label = blocks.CharBlock(
        label=_("Intitulé du lien"), required=False, help_text=_("Par défaut, le titre du document.")
    )

    class Meta:
        icon = "doc-full"
        label = _("Lien vers un document")
        template = "home/blocks/document_link.html"


class KeyFigureValue(blocks.StructValue):
    def figure(self):
        """What the page shows: counted from the site's data when a source is chosen, else the typed value."""
        return computed(self.get("source")) if self.get("source") else self.get("value")


class KeyFigureBlock(blocks.StructBlock):
    value = blocks.CharBlock(
        label=_("Chiffre"),
        max_length=30,
        required=False,
        help_text=_("Laisser vide si le chiffre est calculé à partir des données du site."),
    )
    source = blocks.ChoiceBlock(
        label=_("Calculé à partir de"),
        choices=SOURCE_CHOICES,
        required=False,
        help_text=_(
            "Le chiffre se met à jour tout seul ; il n'est pas affiché tant que les données n'en donnent pas."
        ),
    )
    label = blocks.CharBlock(label=_("Ce qu'il mesure"), max_length=160)

    def clean(self, value):
        from django.core.exceptions import ValidationError
        from wagtail.blocks import StructBlockValidationError

        value = super().clean(value)
        if not value.get("value") and not value.get("source"):
            raise StructBlockValidationError(
                block_errors={"value": ValidationError(_("Saisissez le chiffre ou choisissez son calcul."))}
            )
        return value

    class Meta:
        icon = "order"
        label = _("Chiffre clé")
        value_class = KeyFigureValue


class BodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(label=_("Paragraphe"), features=RICH_TEXT_FEATURES)
    image = ImageBlock()
    call_to_action = CallToActionBlock()
    quote = QuoteBlock()
    document_link = DocumentLinkBlock()
