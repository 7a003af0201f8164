"""The lead API, above the apps: a source submits a lead (`POST /api/v1/leads/`), and the
lead's read side — the list and the detail, their serializers, `LeadFilter` (the manager board
filters with it too), who may see which lead (`selectors`) and the bearer authentication every
API view uses.

A lead's answer shows what each step made of it (intake's contact data, qualification's score,
routing's owner and why), so this package imports all three apps' models and selectors; intake
imports none of it and knows neither qualification nor routing. Routing's pages and reps API
use its selectors, `LeadFilter`, authentication and schema pieces.
"""
