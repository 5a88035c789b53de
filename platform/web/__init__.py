"""The pages people use: the citizen portal (lapor, lacak, pantau) and the officer console.

Server-rendered Django templates on one foundation (base layout, language switch, mobile-first
CSS, a little htmx); every main task works without JavaScript. Views validate with the same
input serializers as the API and call the same services, so a rule has one home.
"""
