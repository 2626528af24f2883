* AnalogGym Fan_SMC_Pin_3 three-stage opamp (sky130 tt), open-loop AC testbench after AnalogGym's
* TB_Amplifier_ACDC: DC feedback through a 1 TH inductor, AC drive through 1 TF into the inverting
* input; 10 pF load; 1.8 V. The opamp subckt and the sky130 library come from the data root
* (see sky130_fan_smc.yaml); its design variables are the .param lines below.
.param MOSFET_10_1_L_gm2_PMOS=1 MOSFET_10_1_M_gm2_PMOS=8 MOSFET_10_1_W_gm2_PMOS=1
.param MOSFET_11_1_L_gmf2_PMOS=1 MOSFET_11_1_M_gmf2_PMOS=32 MOSFET_11_1_W_gmf2_PMOS=1
.param MOSFET_23_1_L_gm3_NMOS=1 MOSFET_23_1_M_gm3_NMOS=16 MOSFET_23_1_W_gm3_NMOS=1
.param MOSFET_8_2_L_gm1_PMOS=1 MOSFET_8_2_M_gm1_PMOS=4 MOSFET_8_2_W_gm1_PMOS=1
.param MOSFET_0_8_L_BIASCM_PMOS=1 MOSFET_0_8_M_BIASCM_PMOS=16 MOSFET_0_8_W_BIASCM_PMOS=1
.param MOSFET_17_7_L_BIASCM_NMOS=1 MOSFET_17_7_M_BIASCM_NMOS=4 MOSFET_17_7_W_BIASCM_NMOS=1
.param MOSFET_21_2_L_LOAD2_NMOS=1 MOSFET_21_2_M_LOAD2_NMOS=4 MOSFET_21_2_W_LOAD2_NMOS=1
.param CAPACITOR_0=5p CURRENT_0_BIAS=60u
.param supply_voltage=1.8 vcm_ratio=0.25 param_cload=10p
v1 vdd 0 {supply_voltage}
v2 vss 0 0
vindc opin 0 {supply_voltage*vcm_ratio}
vin signal_in 0 dc {supply_voltage*vcm_ratio} ac 1
lfb opout opout_dc 1t
cin opout_dc signal_in 1t
xop1 vss vdd opout_dc opin opout fan_smc_pin_3
cload1 opout 0 {param_cload}
.op
.ac dec 10 0.1 1g
.end
