"""A tenant app that exists only to bring "one new migration" to every schema in upgrade tests and the bench."""
