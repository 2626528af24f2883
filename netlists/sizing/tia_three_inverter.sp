* Three-inverter TIA with resistive feedback (L2DC-style multi-stage TIA), PTM 45 nm, 1.2 V.
* Three inverting stages in a loop closed by rf (net inversion: negative feedback); 100 fF
* photodiode, 20 fF load. Transimpedance v(out)/i(in) with a 1 A AC drive; noise at the input.
.param n1=8 p1=16 n2=8 p2=16 n3=8 p3=16 rf=5k lch=90n
.param cpd=100f cl=20f
vdd vdd 0 dc=1.2
iin 0 in dc=0 ac=1
cpd in 0 {cpd}
mn1 x1 in 0 0 nmos w=1u l={lch} m={n1}
mp1 x1 in vdd vdd pmos w=1u l={lch} m={p1}
mn2 x2 x1 0 0 nmos w=1u l={lch} m={n2}
mp2 x2 x1 vdd vdd pmos w=1u l={lch} m={p2}
mn3 out x2 0 0 nmos w=1u l={lch} m={n3}
mp3 out x2 vdd vdd pmos w=1u l={lch} m={p3}
rf in out {rf}
cl out 0 {cl}
.op
.ac dec 20 1meg 1t
.noise v(out) iin dec 20 1meg 1t
.end
