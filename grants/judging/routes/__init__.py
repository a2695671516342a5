"""Judging pages: the organiser's panel and stage pages, the judge's list and score sheets,
and the live roadshow."""

from grants.judging.routes import judge, organiser, roadshow

routes = [*organiser.routes, *judge.routes, *roadshow.routes]
