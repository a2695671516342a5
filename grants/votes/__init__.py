"""The public vote (人气投票): a round's vote, its immutable votes, exclusions and flags."""
