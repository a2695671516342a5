"""Round pages: lists, detail, status moves and copying (`rounds`), the editor (`editor`)
and what they share (`common`)."""

from grants.rounds.routes import editor, rounds

routes = [*rounds.routes, *editor.routes]
