* Two-stage Miller opamp (BagNet/AutoCkt topology, 8 MOSFETs), PTM 45 nm, open-loop AC testbench.
* Sizing parameters are .param lines (changed in place with alterparam); the device card is added
* by the sizing problem (two_stage_opamp.yaml) from the data root.
.param mp1=10 mn1=38 mp3=4 mn3=9 mn4=20 mn5=60 cc=3p
.param ibias=30u cload=10p vcm=0.6
mp1 net4 net4 vdd vdd pmos w=0.5u l=90n m={mp1}
mp2 net5 net4 vdd vdd pmos w=0.5u l=90n m={mp1}
mn1 net4 net2 net3 net3 nmos w=0.5u l=90n m={mn1}
mn2 net5 net1 net3 net3 nmos w=0.5u l=90n m={mn1}
mn3 net3 net7 vss vss nmos w=0.5u l=90n m={mn3}
mn4 net7 net7 vss vss nmos w=0.5u l=90n m={mn4}
mp3 out net5 vdd vdd pmos w=0.5u l=90n m={mp3}
mn5 out net7 vss vss nmos w=0.5u l=90n m={mn5}
cc net5 out {cc}
ib vdd net7 {ibias}
* differential drive of 1: net1 = vcm + in/2, net2 = vcm - in/2
vin in 0 dc=0 ac=1.0
ein1 net1 cm in 0 0.5
ein2 net2 cm in 0 -0.5
vcm cm 0 dc={vcm}
vdd vdd 0 dc=1.2
vss 0 vss dc=0
cl out 0 {cload}
.op
.ac dec 10 1 10g
.end
