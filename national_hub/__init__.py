"""The national hub (public schema): onboarding of every Pemda, the K/L registry and routing rules,
hub referrals and their triage, and the hub console. It decides what a referral becomes at the hub;
sync only carries the messages."""
