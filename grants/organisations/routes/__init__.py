"""Organisation pages: the list and profiles (`organisations`), self-registration,
verification and invitations (`registration`) and the spreadsheet import (`imports`)."""

from grants.organisations.routes import imports, organisations, registration

routes = [*imports.routes, *organisations.routes, *registration.routes]
