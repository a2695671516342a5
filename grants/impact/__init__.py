"""Impact: what the funded projects achieved, for funders, organisers and the public."""
