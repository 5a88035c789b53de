"""SKPD/OPD units of one Pemda (tenant schema): the tree reports are disposed down."""
