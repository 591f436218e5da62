"""Everything byoc-sync runs against on one machine: vendor emulators (`emulators/`), Azure
stand-ins (`azure/`), SIP endpoints (`sbc`), and the demo and rehearsal built on them."""
