"""Static files storage for production: WhiteNoise's compressed manifest, tolerant of missing source maps only."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """XStatic-Leaflet-MarkerCluster's minified script names a source map that its package does not ship.

    The manifest storage rewrites every reference to a hashed name and fails on a missing file. A source map is a
    debugging aid the browser fetches only with its developer tools open, so a reference to a map that does not
    exist is dropped; every other missing file still fails the build.
    """

    def url_converter(self, name, hashed_files, template=None):
        convert = super().url_converter(name, hashed_files, template)

        def converter(matchobj):
            try:
                return convert(matchobj)
            except ValueError:
                if "sourceMappingURL" in matchobj.group("matched") and matchobj.group("url").endswith(".map"):
                    return ""
                raise

        return converter
