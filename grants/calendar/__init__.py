"""The working-day calendar: weekends, public holidays and make-up working days (调休)."""
