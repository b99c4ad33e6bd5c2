"""The camping-car's tours ("service public itinérant"): patterns, dated stops, their public calendar and admin."""
