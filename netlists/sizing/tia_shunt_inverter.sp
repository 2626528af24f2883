* Shunt-feedback TIA: one CMOS inverter with a feedback resistor, PTM 45 nm, 1.2 V.
* The photodiode is an AC current source with 100 fF; the load is 20 fF. Transimpedance is
* v(out)/i(in) (1 A AC drive), input-referred noise from .noise at the input current source.
.param mn=10 mp=20 rf=2k lenn=90n lenp=90n
.param cpd=100f cl=20f
vdd vdd 0 dc=1.2
iin 0 in dc=0 ac=1
cpd in 0 {cpd}
mn1 out in 0 0 nmos w=1u l={lenn} m={mn}
mp1 out in vdd vdd pmos w=1u l={lenp} m={mp}
rf in out {rf}
cl out 0 {cl}
.op
.ac dec 20 1meg 1t
.noise v(out) iin dec 20 1meg 1t
.end
