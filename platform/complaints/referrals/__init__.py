"""The Pemda's side of referrals: what leaves with a referral, what a delivered one becomes here,
and how the other end's news changes the local report. sync carries the messages; the rules
are here, beside the Report model, and only this app writes Report rows.
"""
