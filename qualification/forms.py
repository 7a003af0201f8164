from django import forms

from qualification.models import Tier, Urgency


class ReviewDecisionForm(forms.Form):
    request_type = forms.CharField(max_length=50, required=False)
    urgency = forms.ChoiceField(choices=Urgency.choices)
    tier = forms.ChoiceField(choices=Tier.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
