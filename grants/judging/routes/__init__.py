"""Judging pages: the organiser's panel and stage pages, the judge's list and score sheets."""

from grants.judging.routes import judge, organiser

routes = [*organiser.routes, *judge.routes]
