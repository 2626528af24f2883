* CMOS inverter with level-1 models: DC transfer curve and a load capacitor
.subckt inv a y vdd vss wn=1u wp=2u
MP y a vdd vdd pmos1 w={wp} l=0.18u
MN y a vss vss nmos1 w={wn} l=0.18u
.ends inv
VDD vdd 0 1.8
VIN in 0 dc 0.9
X1 in out vdd 0 inv wn=1u wp=2.5u
CL out 0 10f
.model nmos1 nmos (level=1 vto=0.45 kp=200u lambda=0.05)
.model pmos1 pmos (level=1 vto=-0.45 kp=80u lambda=0.05)
.dc VIN 0 1.8 0.01
.meas dc vswitch when v(out)=0.9
.end
