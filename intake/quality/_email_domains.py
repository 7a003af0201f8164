"""Curated domain and mailbox lists for the email check (data, no logic).

Kept as Python frozensets rather than data files: they import in microseconds and need no
file access. Matching is on the lowercase ASCII (IDNA) domain and the lowercase local part.
"""

from __future__ import annotations

from ._common import words

# Major free / consumer mail providers (Google, Yahoo, Microsoft, AOL, Apple, privacy mail,
# GMX/mail.com, Russian and Asian portals, European and US/Canadian/Australian ISPs): an
# address here says nothing about the lead's company.
FREE_MAIL_DOMAINS = words(
    """
    gmail.com googlemail.com yahoo.com yahoo.co.uk yahoo.ca yahoo.com.au yahoo.co.in yahoo.de
    yahoo.fr yahoo.es yahoo.it yahoo.co.jp yahoo.com.br yahoo.com.mx yahoo.com.ar yahoo.co.nz
    yahoo.ie yahoo.com.sg yahoo.com.ph yahoo.co.id yahoo.com.hk yahoo.com.tw ymail.com
    rocketmail.com outlook.com hotmail.com hotmail.co.uk hotmail.ca hotmail.fr hotmail.de
    hotmail.es hotmail.it hotmail.com.au hotmail.com.br hotmail.be hotmail.nl outlook.co.uk
    outlook.de outlook.fr outlook.es live.com live.co.uk live.ca live.com.au live.fr live.de
    live.nl live.it msn.com passport.com aol.com aim.com aol.co.uk aol.de aol.fr icloud.com
    me.com mac.com proton.me protonmail.com protonmail.ch pm.me tutanota.com tutanota.de
    tuta.io tutamail.com hey.com fastmail.com fastmail.fm posteo.de mailbox.org runbox.com
    hushmail.com zoho.com zohomail.com gmx.com gmx.net gmx.de gmx.at gmx.ch gmx.us web.de
    mail.com email.com usa.com post.com inbox.com yandex.ru yandex.com ya.ru mail.ru inbox.ru
    list.ru bk.ru rambler.ru qq.com 163.com 126.com yeah.net sina.com sohu.com naver.com
    daum.net hanmail.net rediffmail.com orange.fr wanadoo.fr free.fr laposte.net sfr.fr
    libero.it virgilio.it tiscali.it t-online.de freenet.de btinternet.com sky.com
    virginmedia.com talktalk.net ntlworld.com seznam.cz wp.pl o2.pl interia.pl comcast.net
    att.net sbcglobal.net verizon.net cox.net charter.net bellsouth.net earthlink.net
    optonline.net frontier.com frontiernet.net windstream.net centurylink.net q.com juno.com
    netzero.net roadrunner.com rr.com twc.com spectrum.net ameritech.net pacbell.net
    prodigy.net swbell.net flash.net snet.net embarqmail.com mindspring.com shaw.ca rogers.com
    sympatico.ca bell.net telus.net videotron.ca bigpond.com bigpond.net.au optusnet.com.au
    """
)

# Shared mailboxes (RFC 2142 and common practice): reach a team, not a person.
ROLE_LOCAL_PARTS = words(
    """
    info information sales admin administrator support contact contactus contact-us office
    hello hi noreply no-reply no_reply donotreply do-not-reply do_not_reply webmaster
    hostmaster postmaster abuse security billing accounts accounting finance invoices marketing
    team help helpdesk service services customerservice customer.service customercare care
    enquiries enquiry inquiries inquiry hr jobs careers recruiting recruitment press media news
    newsletter legal privacy compliance orders order shop store bookings booking reservations
    feedback mail email general reception frontdesk front.desk all staff everyone it ops
    operations purchasing procurement partners partnerships root dev devnull test testing www
    ftp list lists bounce
    """
)

# Domains reserved for documentation and testing (RFC 2606, RFC 6761): never a real inbox.
RESERVED_DOMAINS = frozenset({"example.com", "example.net", "example.org"})
RESERVED_TLDS = frozenset({"test", "example", "invalid", "localhost", "local", "onion", "arpa"})

# Common misspellings of big providers' domains -> what was meant. Informational only: the
# address is kept as typed, since a lookalike domain can be someone's real domain.
DOMAIN_TYPOS = {
    "gmial.com": "gmail.com",
    "gmai.com": "gmail.com",
    "gmal.com": "gmail.com",
    "gamil.com": "gmail.com",
    "gnail.com": "gmail.com",
    "gmail.co": "gmail.com",
    "gmail.con": "gmail.com",
    "gmail.cm": "gmail.com",
    "gmail.om": "gmail.com",
    "gmail.cmo": "gmail.com",
    "gmaill.com": "gmail.com",
    "gmail.comm": "gmail.com",
    "gmail.net": "gmail.com",
    "gmali.com": "gmail.com",
    "gmeil.com": "gmail.com",
    "yaho.com": "yahoo.com",
    "yahooo.com": "yahoo.com",
    "yahoo.con": "yahoo.com",
    "yahoo.co": "yahoo.com",
    "yhoo.com": "yahoo.com",
    "yaoo.com": "yahoo.com",
    "hotmial.com": "hotmail.com",
    "hotmal.com": "hotmail.com",
    "hotmai.com": "hotmail.com",
    "hotmail.con": "hotmail.com",
    "hotmail.co": "hotmail.com",
    "hotmil.com": "hotmail.com",
    "homail.com": "hotmail.com",
    "outlok.com": "outlook.com",
    "outlook.con": "outlook.com",
    "outllok.com": "outlook.com",
    "icloud.con": "icloud.com",
    "iclod.com": "icloud.com",
    "icoud.com": "icloud.com",
    "aol.con": "aol.com",
    "aoll.com": "aol.com",
    "comcast.com": "comcast.net",
    "sbcglobal.com": "sbcglobal.net",
}
